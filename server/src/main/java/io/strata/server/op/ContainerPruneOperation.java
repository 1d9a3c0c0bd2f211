package io.strata.server.op;

import io.strata.protocol.Opcode;
import io.strata.protocol.filter.PruneFilter;
import io.strata.protocol.message.ContainerPruneArgs;
import io.strata.protocol.message.ContainerPruneReply;
import io.strata.store.container.ContainerConfig;
import io.strata.store.container.ContainerStore;
import java.io.IOException;
import java.util.Map;
import java.util.function.Predicate;

/**
 * {@code container.prune}: every container the filter chooses but mounted ones (Strata's nearest to
 * running ones, which docker's prune leaves), chosen where each is removed, so that the client
 * never lists and then removes what may have changed between. Apart from {@link
 * ContainerOperations} because it needs the mounts, which are made after those are registered.
 */
final class ContainerPruneOperation {
  private final ContainerStore containers;
  private final Predicate<String> mounted;

  /** Over {@code containers}; {@code mounted} tells which container ids are mounted. */
  ContainerPruneOperation(ContainerStore containers, Predicate<String> mounted) {
    this.containers = containers;
    this.mounted = mounted;
  }

  void register(Map<Opcode, Operation> into) {
    into.put(Opcode.CONTAINER_PRUNE, this::prune);
  }

  private Outcome prune(byte[] json) throws IOException {
    ContainerPruneArgs args =
        Arguments.read(json, ContainerPruneArgs.class, Opcode.CONTAINER_PRUNE);
    PruneFilter filter =
        Filters.read(args.until(), args.labels(), args.notLabels(), Opcode.CONTAINER_PRUNE);
    Predicate<ContainerConfig> chosen =
        c ->
            !mounted.test(c.id())
                && filter.matches(PruneFilter.instant(c.created()), c.settings().labels());
    return new Outcome.Reply(
        new ContainerPruneReply(
            containers.prune(chosen).stream().map(ContainerConfig::id).toList()));
  }
}
