package io.strata.client.cli;

import io.strata.client.StrataClient;
import io.strata.client.StrataClientException;
import io.strata.protocol.Status;
import io.strata.protocol.message.ContainerItem;
import io.strata.protocol.message.ContainerRemoveArgs;
import io.strata.protocol.message.GcReply;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code strata container prune [-f]}, as docker's: every container but mounted ones (none runs, so
 * the others are "stopped"; a mounted one is skipped as a running one is), then a gc, whose
 * reclaimed bytes are the total reported.
 */
@Command(
    name = "prune",
    mixinStandardHelpOptions = true,
    description = {
      "Removes every container but mounted ones (none runs, so the others count as stopped, as"
          + " docker container prune removes stopped ones), then collects their chunks.",
      "Asks for confirmation when standard input is a terminal; otherwise -f is required."
    })
final class ContainerPruneCommand extends ClientCommand {
  @Option(
      names = {"-f", "--force"},
      description = "Do not ask for confirmation.")
  boolean force;

  @Override
  void checkArguments() {
    Confirmation.require(spec, force, "container prune");
  }

  @Override
  int run(StrataClient client, StrataCli cli) throws Exception {
    if (!force
        && !Confirmation.ask(
            cli.terminal(),
            "WARNING! This will remove all stopped containers (Strata runs none).")) {
      return ExitStatus.OK;
    }
    List<String> removed = prune(client);
    GcReply gc = client.gc();
    Map<String, List<String>> before = new LinkedHashMap<>();
    before.put(cli.json() ? "containersRemoved" : "Deleted Containers", removed);
    ImagePruneCommand.print(cli, before, List.of(), gc.bytesReclaimed());
    return ExitStatus.OK;
  }

  /**
   * Removes every container but mounted ones, whose removal the server refuses as docker's prune
   * leaves a running container; returns the ids removed.
   */
  static List<String> prune(StrataClient client) throws IOException {
    List<String> removed = new ArrayList<>();
    for (ContainerItem c : client.containers()) {
      try {
        client.removeContainer(new ContainerRemoveArgs(c.id(), true, false));
        removed.add(c.id());
      } catch (StrataClientException e) {
        if (e.status() != Status.CONFLICT) {
          throw e;
        }
      }
    }
    return removed;
  }
}
