package io.strata.client.cli;

import io.strata.client.StrataClient;
import java.io.IOException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code strata load [-i FILE] [-q]}: docker's name for {@code image import}. */
@Command(
    name = "load",
    mixinStandardHelpOptions = true,
    description = {
      "Loads images, as docker load does, from a docker save or OCI archive on standard input or"
          + " in FILE (-i), plain or compressed (gzip, bzip2, zstd).",
      "Same as strata image import, which also takes directories."
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

  @Override
  void checkArguments() {
    ImageImportCommand.refuseTerminalInput(spec, input);
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
