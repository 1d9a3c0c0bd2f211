package io.strata.client.cli;

import io.strata.client.StrataClient;
import io.strata.client.TransferListener;
import io.strata.protocol.message.WriteArgs;
import io.strata.protocol.message.WriteReply;
import java.io.IOException;
import java.nio.file.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;

/** {@code strata fs C write PATH [--offset N] [--from FILE]}. */
@Command(
    name = "write",
    mixinStandardHelpOptions = true,
    description = {
      "Writes standard input (or --from FILE) into a file of the container, creating it if"
          + " missing (its directory must exist).",
      "Without --offset the bytes replace the file's content; with it they are written at byte N"
          + " and the rest of the file is kept, so only the changed extents (btrfs) or records"
          + " (zfs) are stored anew. Nothing changes unless the whole input arrives."
    })
final class FsWriteCommand extends FsSubcommand {
  @Parameters(paramLabel = "PATH", description = "The file in the container.")
  String path;

  @Option(
      names = "--offset",
      paramLabel = "N",
      description = "Write at byte N, keeping the rest of the file (a shorter file grows).")
  Long offset;

  @Option(
      names = "--from",
      paramLabel = "FILE",
      description = "Read the bytes from FILE of this host instead of standard input.")
  Path from;

  @Override
  void checkArguments() {
    if (offset != null && offset < 0) {
      throw new ParameterException(spec.commandLine(), "--offset " + offset + " is negative");
    }
  }

  @Override
  int run(StrataClient client, StrataCli cli) throws Exception {
    String target = FsCommand.absolute(path);
    WriteReply r;
    if (from == null) {
      TransferListener progress = ProgressBar.of(cli, "write", -1);
      r =
          client.writeFile(
              new WriteArgs(container(), target, offset, null),
              out -> cli.terminal().in().transferTo(out),
              progress);
      ProgressBar.finish(progress);
    } else {
      LocalSource source = LocalSource.of("file", from.toString(), false);
      if (source.directory()) {
        throw new IOException("file " + from + " is a directory");
      }
      TransferListener progress = ProgressBar.of(cli, "write", source.size());
      r =
          client.writeFile(
              new WriteArgs(container(), target, offset, source.size()), source.body(), progress);
      ProgressBar.finish(progress);
    }
    if (cli.json()) {
      cli.printJson(r);
    }
    return ExitStatus.OK;
  }
}
