package io.strata.client.cli;

import io.strata.client.StrataClient;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code strata image inspect IMAGE}: JSON, with or without {@code --json}. */
@Command(
    name = "inspect",
    mixinStandardHelpOptions = true,
    description =
        "Prints the image as JSON: id, repoTags, layers (diff_ids, bottom first), config.")
final class ImageInspectCommand extends ClientCommand {
  @Parameters(paramLabel = "IMAGE", description = "NAME[:TAG] or an image id.")
  String image;

  @Override
  int run(StrataClient client, StrataCli cli) throws Exception {
    cli.printJson(client.inspect(image));
    return ExitStatus.OK;
  }
}
