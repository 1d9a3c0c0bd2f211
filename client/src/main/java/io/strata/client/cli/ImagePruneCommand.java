package io.strata.client.cli;

import io.strata.client.StrataClient;
import io.strata.protocol.message.ContainerItem;
import io.strata.protocol.message.GcReply;
import io.strata.protocol.message.ImageItem;
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
 * {@code strata image prune [-a] [-f]}: the dangling (untagged) images no container uses, or with
 * {@code -a} every image no container uses; then a gc, whose reclaimed bytes are the total
 * reported.
 */
@Command(
    name = "prune",
    mixinStandardHelpOptions = true,
    description = {
      "Removes dangling (untagged) images no container uses, with -a every image no container"
          + " uses, then collects their chunks, as docker image prune.",
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

  @Override
  void checkArguments() {
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
    List<RemoveReply> removed = prune(client, all);
    GcReply gc = client.gc();
    print(cli, Map.of(), removed, gc.bytesReclaimed());
    return ExitStatus.OK;
  }

  /** Removes the images {@code image prune [-a]} removes; their replies. */
  static List<RemoveReply> prune(StrataClient client, boolean all) throws IOException {
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
