package io.strata.client.cli;

import io.strata.client.StrataClient;
import io.strata.client.TransferListener;
import java.io.OutputStream;
import java.nio.file.Path;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;

/** {@code strata export CONTAINER [-o FILE.tar]}. */
@Command(
    name = "export",
    mixinStandardHelpOptions = true,
    description = {
      "Writes the container's whole file system (its image and its writes, without volumes and"
          + " bind mounts) as a tar, as docker export.",
      "Without -o, or with -o -, the tar goes to standard output, which must not be a terminal."
    })
final class ContainerExportCommand extends ClientCommand {
  @Parameters(paramLabel = "CONTAINER", description = "Its name, id or a unique id prefix.")
  String container;

  @Option(
      names = {"-o", "--output"},
      paramLabel = "FILE",
      description = "The tar file to write (replaced only on success); - is standard output.")
  String output;

  @Override
  void checkArguments() {
    if (toStdout() && cli().terminal().outputTerminal()) {
      throw new ParameterException(
          spec.commandLine(),
          "export of container "
              + container
              + ": refusing to write a tar to a terminal; give -o FILE or redirect standard"
              + " output");
    }
  }

  private boolean toStdout() {
    return output == null || output.equals("-");
  }

  @Override
  int run(StrataClient client, StrataCli cli) throws Exception {
    TransferListener progress = ProgressBar.of(cli, "export", -1);
    long[] bytes = new long[1];
    if (toStdout()) {
      OutputStream out = cli.terminal().stdout();
      bytes[0] = client.exportContainer(container, out, progress);
      out.flush();
    } else {
      LocalOutput.file(
          Path.of(output), out -> bytes[0] = client.exportContainer(container, out, progress));
    }
    ProgressBar.finish(progress);
    if (cli.json() && !toStdout()) {
      cli.printJson(Map.of("container", container, "output", output, "bytes", bytes[0]));
    }
    return ExitStatus.OK;
  }
}
