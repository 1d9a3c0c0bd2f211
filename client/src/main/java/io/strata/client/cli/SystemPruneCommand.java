package io.strata.client.cli;

import io.strata.client.StrataClient;
import io.strata.client.StrataClientException;
import io.strata.protocol.Status;
import io.strata.protocol.message.BuildPruneReply;
import io.strata.protocol.message.GcReply;
import io.strata.protocol.message.RemoveReply;
import io.strata.protocol.message.VolumePruneReply;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code strata system prune [-a] [--volumes] [-f] [--filter F]...}, as docker's: every container
 * but mounted ones (none runs, so the others are "stopped"; a mounted one is skipped as a running
 * one is), then dangling images (with {@code -a} every unused one), with {@code --volumes} the
 * anonymous volumes nothing mounts, then a gc. Filters go on to the container and image prunes,
 * which the server applies where it removes.
 */
@Command(
    name = "prune",
    mixinStandardHelpOptions = true,
    description = {
      "Removes every container but mounted ones (none runs, so the others count as stopped, as"
          + " docker system prune removes stopped ones), dangling images (-a: every unused image),"
          + " with --volumes unused anonymous volumes, the build cache no image uses (-a: all"
          + " of it), then collects the chunks.",
      "Filters (--filter, repeatable; all must hold), applied to containers and images as"
          + " container prune and image prune apply them: until=TIME, label=KEY[=VALUE],"
          + " label!=KEY[=VALUE]. With a filter the build cache is left as it is (builder prune"
          + " takes no filter), and --volumes is refused (volumes have neither labels nor"
          + " creation filters here).",
      "Asks for confirmation when standard input is a terminal; otherwise -f is required."
    })
final class SystemPruneCommand extends ClientCommand {
  @Option(
      names = {"-f", "--force"},
      description = "Do not ask for confirmation.")
  boolean force;

  @Option(
      names = {"-a", "--all"},
      description = "Remove every unused image, not only dangling ones.")
  boolean all;

  @Option(names = "--volumes", description = "Also remove anonymous volumes nothing mounts.")
  boolean volumes;

  @Option(
      names = "--filter",
      paramLabel = "FILTER",
      description = "until=TIME, label=KEY[=VALUE] or label!=KEY[=VALUE] (see above).")
  List<String> filters = new ArrayList<>();

  private PruneFilters filter;

  @Override
  void checkArguments() {
    filter = PruneFilters.parse(filters, "system prune", PruneFilters.UNTIL_AND_LABELS);
    if (volumes && filter.any()) {
      // docker applies label= to volumes; Strata's have no labels, and volume prune takes no
      // until=: refused rather than pruning the volumes unfiltered
      throw new UsageError(
          "invalid filter '"
              + filters.get(0)
              + "': --volumes cannot be filtered (Strata volumes have no labels, and volume prune"
              + " takes no until=): prune volumes apart with volume prune");
    }
    Confirmation.require(spec, force, "system prune");
  }

  @Override
  int run(StrataClient client, StrataCli cli) throws Exception {
    String warning =
        "WARNING! This will remove:\n  - all containers (Strata runs none: all are stopped)\n"
            + (volumes ? "  - all anonymous volumes not used by at least one container\n" : "")
            + (all
                ? "  - all images without at least one container associated to them\n"
                    + "  - all build cache"
                : "  - all dangling images\n  - unused build cache");
    if (!force && !Confirmation.ask(cli.terminal(), warning)) {
      return ExitStatus.OK;
    }
    // A mounted container is Strata's nearest to a running one, which docker's prune leaves and
    // goes on: skipped, and the images and chunks are still pruned.
    List<String> containers = ContainerPruneCommand.prune(client, filter);
    List<String> removedVolumes = new ArrayList<>();
    long volumeBytes = 0;
    if (volumes) {
      VolumePruneReply v = client.pruneVolumes(false);
      removedVolumes.addAll(v.removed());
      volumeBytes = v.bytesReclaimed();
    }
    List<RemoveReply> images = ImagePruneCommand.prune(client, all, filter);
    // docker's system prune takes the dangling build cache too, -a all of it; build.prune takes no
    // filter, so a filtered prune leaves the cache rather than emptying it unfiltered
    BuildPruneReply cache = new BuildPruneReply(0, List.of());
    if (filter.any()) {
      cli.terminal().err().println("build cache left as it is: builder prune takes no --filter");
    } else {
      cache = pruneBuildCache(client, all, cli);
    }
    GcReply gc = client.gc();
    Map<String, List<String>> before = new LinkedHashMap<>();
    before.put(cli.json() ? "containersRemoved" : "Deleted Containers", containers);
    if (volumes) {
      before.put(cli.json() ? "volumesRemoved" : "Deleted Volumes", removedVolumes);
    }
    ImagePruneCommand.print(
        cli,
        before,
        images,
        gc.bytesReclaimed() + volumeBytes,
        cli.json()
            ? Map.of("buildCacheLayersRemoved", cache.layers())
            : Map.of("Deleted build cache objects", cache.layers()));
    return ExitStatus.OK;
  }

  /**
   * The build cache's prune; nothing from an older server, which has no such request (and no build
   * cache to show), said on stderr rather than passed over (AI6).
   */
  private static BuildPruneReply pruneBuildCache(StrataClient client, boolean all, StrataCli cli)
      throws java.io.IOException {
    try {
      return client.pruneBuildCache(all);
    } catch (StrataClientException e) {
      if (e.status() == Status.UNIMPLEMENTED) {
        cli.terminal()
            .err()
            .println("build cache left as it is: the server is older than builder prune");
        return new BuildPruneReply(0, List.of());
      }
      throw e;
    }
  }
}
