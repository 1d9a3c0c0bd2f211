package io.strata.client.cli;

import io.strata.client.StrataClient;
import io.strata.protocol.message.CommitReply;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code strata commit CONTAINER NAME[:TAG]}. */
@Command(
    name = "commit",
    mixinStandardHelpOptions = true,
    description = {
      "Makes a new image: the container's image plus one layer of its changes (deleted files are"
          + " OCI whiteouts). Prints the image id."
    })
final class CommitCommand extends ClientCommand {
  @Parameters(index = "0", paramLabel = "CONTAINER", description = "Its name, id or id prefix.")
  String container;

  @Parameters(index = "1", paramLabel = "NAME[:TAG]", description = "The new image's tag.")
  String tag;

  @Override
  int run(StrataClient client, StrataCli cli) throws Exception {
    CommitReply r = client.commit(container, tag);
    if (cli.json()) {
      cli.printJson(r);
    } else {
      cli.terminal().out().println(r.id().startsWith("sha256:") ? r.id() : "sha256:" + r.id());
    }
    return ExitStatus.OK;
  }
}
