package io.strata.client.cli;

import io.strata.client.StrataClient;
import java.io.IOException;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;

/** {@code strata load [-i FILE] [-q]}: docker's name for {@code image import}. */
@Command(
    name = "load",
    mixinStandardHelpOptions = true,
    description = {
      "Loads images, as docker load does, from a docker save or OCI archive on standard input or"
          + " in FILE (-i), plain or compressed (gzip, bzip2, zstd).",
      "docker load takes no PATH argument, and neither does this: give -i FILE (strata image"
          + " import takes a PATH, also of a directory)."
    })
final class LoadCommand extends ClientCommand {
  @Option(
      names = {"-i", "--input"},
      paramLabel = "FILE",
      defaultValue = "-",
      description = "Read FILE instead of standard input (which must not be a terminal).")
  String input;

  @Option(
      names = {"-q", "--quiet"},
      description = "Print nothing but errors.")
  boolean quiet;

  /** Caught only to say what to type instead: picocli would call it an unmatched argument. */
  @Parameters(arity = "0..*", hidden = true)
  List<String> paths = List.of();

  @Override
  void checkArguments() {
    if (!paths.isEmpty()) {
      throw new ParameterException(
          spec.commandLine(),
          "load takes no PATH argument (as docker load): give -i " + paths.get(0));
    }
    StrataCli cli = (StrataCli) spec.root().userObject();
    if (input.equals("-") && cli.terminal().inputTerminal()) {
      throw new ParameterException(
          spec.commandLine(),
          "load from standard input: refusing to read an archive from a terminal; give -i FILE or"
              + " redirect standard input");
    }
  }

  @Override
  void checkInput(StrataCli cli) throws IOException {
    ImageImportCommand.refuseEmptyInput(cli, input);
  }

  @Override
  int run(StrataClient client, StrataCli cli) throws Exception {
    return ImageImportCommand.load(client, cli, input, null, quiet);
  }
}
