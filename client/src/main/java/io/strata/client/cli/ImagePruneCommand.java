package io.strata.client.cli;

import io.strata.client.StrataClient;
import io.strata.client.StrataClientException;
import io.strata.protocol.message.ContainerItem;
import io.strata.protocol.message.GcReply;
import io.strata.protocol.message.ImageItem;
import io.strata.protocol.message.ImagePruneArgs;
import io.strata.protocol.message.RemoveReply;
import java.io.IOException;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code strata image prune [-a] [-f] [--filter F]...}: the dangling (untagged) images no container
 * uses, or with {@code -a} every image no container uses, narrowed by docker's prune filters; then
 * a gc, whose reclaimed bytes are the total reported. The server chooses and removes ({@code
 * image.prune}), so the filter decides on what is removed.
 */
@Command(
    name = "prune",
    mixinStandardHelpOptions = true,
    description = {
      "Removes dangling (untagged) images no container uses, with -a every image no container"
          + " uses, then collects their chunks, as docker image prune.",
      "Filters (--filter, repeatable; all must hold): until=TIME (created before TIME: a"
          + " duration such as 10m, 24h or 1h30m back from now, an RFC 3339 time or Unix"
          + " seconds), label=KEY[=VALUE] (the image's config has that label), label!=KEY[=VALUE]"
          + " (it has not), dangling=false (as -a).",
      "Asks for confirmation when standard input is a terminal; otherwise -f is required."
    })
final class ImagePruneCommand extends ClientCommand {
  @Option(
      names = {"-f", "--force"},
      description = "Do not ask for confirmation.")
  boolean force;

  @Option(
      names = {"-a", "--all"},
      description = "Remove every image no container uses, not only dangling ones.")
  boolean all;

  @Option(
      names = "--filter",
      paramLabel = "FILTER",
      description =
          "until=TIME, label=KEY[=VALUE], label!=KEY[=VALUE] or dangling=true|false (see above).")
  List<String> filters = new ArrayList<>();

  /** until=, label=, label!= and docker's dangling=BOOL (false: -a). */
  private static final Set<String> IMAGE_KEYS = Set.of("until", "label", "label!", "dangling");

  private PruneFilters filter;

  @Override
  void checkArguments() {
    filter = PruneFilters.parse(filters, "image prune", IMAGE_KEYS);
    for (String f : filters) {
      if (f.startsWith("dangling=")) {
        // docker's own form of -a: dangling=false prunes tagged images too
        all |= !BooleanFilter.value("dangling", f.substring("dangling=".length()));
      }
    }
    Confirmation.require(spec, force, "image prune");
  }

  @Override
  int run(StrataClient client, StrataCli cli) throws Exception {
    String warning =
        all
            ? "WARNING! This will remove all images without at least one container associated to"
                + " them."
            : "WARNING! This will remove all dangling images.";
    if (!force && !Confirmation.ask(cli.terminal(), warning)) {
      return ExitStatus.OK;
    }
    List<RemoveReply> removed = prune(client, all, filter);
    GcReply gc = client.gc();
    print(cli, Map.of(), removed, gc.bytesReclaimed());
    return ExitStatus.OK;
  }

  /**
   * Removes the images {@code image prune [-a]} removes that {@code filter} chooses; their replies.
   * An older server without {@code image.prune}: refused with a filter, else pruned as before it.
   */
  static List<RemoveReply> prune(StrataClient client, boolean all, PruneFilters filter)
      throws IOException {
    try {
      return List.of(
          client.pruneImages(
              new ImagePruneArgs(all, filter.until, filter.labels, filter.notLabels)));
    } catch (StrataClientException e) {
      filter.refuseUnserved(e, "image prune");
    }
    return pruneListed(client, all);
  }

  /**
   * The prune of servers before {@code image.prune}: listed, then removed one by one (what changes
   * in between is not looked at again; so never with a filter).
   */
  private static List<RemoveReply> pruneListed(StrataClient client, boolean all)
      throws IOException {
    Set<String> used =
        client.containers().stream().map(ContainerItem::imageId).collect(Collectors.toSet());
    List<RemoveReply> removed = new ArrayList<>();
    for (ImageItem i : client.images()) {
      if (used.contains(i.id())) {
        continue;
      }
      if (ImageListCommand.dangling(i)) {
        // forced: a dangling image has no tag to lose, only pulled-by references
        removed.add(client.removeImage(i.id(), true));
      } else if (all) {
        removed.add(client.removeImage(i.repository() + ":" + i.tag()));
      }
    }
    return removed;
  }

  /**
   * Prints docker's prune report: {@code before} (containers and the like, each a heading and its
   * lines), the images removed, and the total reclaimed space, {@code reclaimed} bytes.
   */
  static void print(
      StrataCli cli, Map<String, List<String>> before, List<RemoveReply> images, long reclaimed) {
    print(cli, before, images, reclaimed, Map.of());
  }

  /** {@link #print(StrataCli, Map, List, long)} with {@code after} the images (the build cache). */
  static void print(
      StrataCli cli,
      Map<String, List<String>> before,
      List<RemoveReply> images,
      long reclaimed,
      Map<String, List<String>> after) {
    if (cli.json()) {
      Map<String, Object> out = new LinkedHashMap<>();
      before.forEach((k, v) -> out.put(k, v));
      out.put("imagesRemoved", images);
      after.forEach((k, v) -> out.put(k, v));
      out.put("spaceReclaimed", reclaimed);
      cli.printJson(out);
      return;
    }
    PrintStream out = cli.terminal().out();
    before.forEach(
        (heading, lines) -> {
          if (!lines.isEmpty()) {
            out.println(heading + ":");
            lines.forEach(out::println);
            out.println();
          }
        });
    List<String> lines = new ArrayList<>();
    for (RemoveReply r : images) {
      r.untagged().forEach(t -> lines.add("untagged: " + t));
      r.deleted().forEach(id -> lines.add("deleted: " + id));
    }
    if (!lines.isEmpty()) {
      out.println("Deleted Images:");
      lines.forEach(out::println);
      out.println();
    }
    after.forEach(
        (heading, removed) -> {
          if (!removed.isEmpty()) {
            out.println(heading + ":");
            removed.forEach(out::println);
            out.println();
          }
        });
    out.println("Total reclaimed space: " + ByteSize.human(reclaimed));
  }
}
