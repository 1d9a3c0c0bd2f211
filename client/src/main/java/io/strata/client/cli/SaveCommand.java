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
      "Saves one image or several as a docker save tar, as docker save does, to standard output"
          + " (not a terminal) or to FILE (-o); layers the images share are written once.",
      "strata image export writes OCI layouts too."
    })
final class SaveCommand extends ClientCommand {
  @Parameters(paramLabel = "IMAGE", arity = "1..*", description = "NAME[:TAG] or an image id.")
  java.util.List<String> images;

  @Option(
      names = {"-o", "--output"},
      paramLabel = "FILE",
      description = "The tar file to write (replaced only on success); - is standard output.")
  String output;

  @Override
  void checkArguments() {
    ImageExportCommand.check(
        spec, "image " + String.join(", ", images), ExportArgs.DOCKER_ARCHIVE, output);
  }

  @Override
  int run(StrataClient client, StrataCli cli) throws Exception {
    return ImageExportCommand.export(
        client,
        cli,
        new ExportArgs(
            images.get(0),
            ExportArgs.DOCKER_ARCHIVE,
            null,
            java.util.List.copyOf(images.subList(1, images.size()))),
        output);
  }
}
