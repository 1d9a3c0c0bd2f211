package io.strata.client.cli;

import io.strata.client.StrataClient;
import io.strata.protocol.message.TagReply;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code strata image tag SOURCE TARGET}. */
@Command(
    name = "tag",
    mixinStandardHelpOptions = true,
    description = "Gives image SOURCE the tag TARGET (taken from another image that had it).")
final class ImageTagCommand extends ClientCommand {
  @Parameters(index = "0", paramLabel = "SOURCE", description = "NAME[:TAG] or an image id.")
  String source;

  @Parameters(index = "1", paramLabel = "TARGET", description = "The new NAME[:TAG].")
  String target;

  @Override
  int run(StrataClient client, StrataCli cli) throws Exception {
    TagReply r = client.tag(source, target);
    if (cli.json()) {
      cli.printJson(r);
    }
    return ExitStatus.OK;
  }
}
