package io.strata.client.cli;

import io.strata.client.StrataClient;
import io.strata.protocol.message.ExportArgs;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code strata save IMAGE [-o FILE]}: docker's name for a docker-archive export. */
@Command(
    name = "save",
    mixinStandardHelpOptions = true,
    description = {
      "Saves an image as a docker save tar, as docker save does, to standard output (not a"
          + " terminal) or to FILE (-o).",
      "strata image export writes OCI layouts too."
    })
final class SaveCommand extends ClientCommand {
  @Parameters(paramLabel = "IMAGE", description = "NAME[:TAG] or an image id.")
  String image;

  @Option(
      names = {"-o", "--output"},
      paramLabel = "FILE",
      description = "The tar file to write (replaced only on success); - is standard output.")
  String output;

  @Override
  void checkArguments() {
    ImageExportCommand.check(spec, "image " + image, ExportArgs.DOCKER_ARCHIVE, output);
  }

  @Override
  int run(StrataClient client, StrataCli cli) throws Exception {
    return ImageExportCommand.export(client, cli, image, output, ExportArgs.DOCKER_ARCHIVE);
  }
}
