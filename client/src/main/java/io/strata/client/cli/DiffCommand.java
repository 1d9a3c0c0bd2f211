package io.strata.client.cli;

import io.strata.client.StrataClient;
import io.strata.protocol.message.ChangeItem;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code strata diff CONTAINER}. */
@Command(
    name = "diff",
    mixinStandardHelpOptions = true,
    description = {
      "Lists what changed in the container against its image, as docker diff: A added, C changed,"
          + " D deleted, one path a line.",
      "Volumes and bind mounts are not part of the container's layer and never show."
    })
final class DiffCommand extends ClientCommand {
  @Parameters(paramLabel = "CONTAINER", description = "Its name, id or a unique id prefix.")
  String container;

  @Override
  int run(StrataClient client, StrataCli cli) throws Exception {
    List<ChangeItem> changes = client.diff(container);
    if (cli.json()) {
      cli.printJson(changes);
    } else {
      changes.forEach(c -> cli.terminal().out().println(c.kind() + " " + c.path()));
    }
    return ExitStatus.OK;
  }
}
