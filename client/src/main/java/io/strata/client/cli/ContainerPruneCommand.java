package io.strata.client.cli;

import io.strata.client.StrataClient;
import io.strata.client.StrataClientException;
import io.strata.protocol.Status;
import io.strata.protocol.message.ContainerItem;
import io.strata.protocol.message.ContainerPruneArgs;
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
 * {@code strata container prune [-f] [--filter F]...}, as docker's: every container but mounted
 * ones (none runs, so the others are "stopped"; a mounted one is skipped as a running one is),
 * narrowed by docker's prune filters, then a gc, whose reclaimed bytes are the total reported. The
 * server chooses and removes ({@code container.prune}).
 */
@Command(
    name = "prune",
    mixinStandardHelpOptions = true,
    description = {
      "Removes every container but mounted ones (none runs, so the others count as stopped, as"
          + " docker container prune removes stopped ones), then collects their chunks.",
      "Filters (--filter, repeatable; all must hold): until=TIME (created before TIME: a"
          + " duration such as 10m, 24h or 1h30m back from now, an RFC 3339 time or Unix"
          + " seconds), label=KEY[=VALUE] (the container has that label, create --label),"
          + " label!=KEY[=VALUE] (it has not).",
      "Asks for confirmation when standard input is a terminal; otherwise -f is required."
    })
final class ContainerPruneCommand extends ClientCommand {
  @Option(
      names = {"-f", "--force"},
      description = "Do not ask for confirmation.")
  boolean force;

  @Option(
      names = "--filter",
      paramLabel = "FILTER",
      description = "until=TIME, label=KEY[=VALUE] or label!=KEY[=VALUE] (see above).")
  List<String> filters = new ArrayList<>();

  private PruneFilters filter;

  @Override
  void checkArguments() {
    filter = PruneFilters.parse(filters, "container prune", PruneFilters.UNTIL_AND_LABELS);
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
    List<String> removed = prune(client, filter);
    GcReply gc = client.gc();
    Map<String, List<String>> before = new LinkedHashMap<>();
    before.put(cli.json() ? "containersRemoved" : "Deleted Containers", removed);
    ImagePruneCommand.print(cli, before, List.of(), gc.bytesReclaimed());
    return ExitStatus.OK;
  }

  /**
   * Removes every container but mounted ones that {@code filter} chooses; returns the ids removed.
   * An older server without {@code container.prune}: refused with a filter, else pruned as before.
   */
  static List<String> prune(StrataClient client, PruneFilters filter) throws IOException {
    try {
      return client
          .pruneContainers(new ContainerPruneArgs(filter.until, filter.labels, filter.notLabels))
          .removed();
    } catch (StrataClientException e) {
      filter.refuseUnserved(e, "container prune");
    }
    return pruneListed(client);
  }

  /**
   * The prune of servers before {@code container.prune}: every container but mounted ones, whose
   * removal the server refuses as docker's prune leaves a running container.
   */
  private static List<String> pruneListed(StrataClient client) throws IOException {
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
