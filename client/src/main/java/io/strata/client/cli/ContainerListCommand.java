package io.strata.client.cli;

import io.strata.client.StrataClient;
import io.strata.protocol.message.ContainerItem;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code strata ps}, also {@code strata container ls}. */
@Command(
    name = "ps",
    mixinStandardHelpOptions = true,
    description = {
      "Lists containers: CONTAINER ID IMAGE NAME SIZE VIRTUAL.",
      "SIZE is docker's: the bytes written into the writable layer, with beside it the bytes it"
          + " holds exclusively (stored: what strata rm and a gc free); VIRTUAL adds the image's"
          + " uncompressed layers (the sizes of image history). Strata stores containers and never"
          + " runs them, so every container is listed, with or without -a.",
      "IMAGE is the name the container was created with while that name still names its image,"
          + " else the image's short id (the tag was removed or moved to another image).",
      "Filters: id=PREFIX, name=SUBSTRING, ancestor=IMAGE (its name, id or id prefix: the"
          + " containers of that image and of images built on it), label=KEY or label=KEY=VALUE"
          + " (create's --label).",
      "Fields for --format: .ID .Image .Names .Size .ExclusiveSize .VirtualSize .CreatedAt."
    })
final class ContainerListCommand extends ClientCommand {
  @Option(
      names = {"-a", "--all"},
      description = "Accepted for Docker's sake: no container runs, so all are always listed.")
  boolean all;

  @Option(
      names = {"-s", "--size"},
      description = "Accepted for Docker's sake: sizes are always shown.")
  boolean size;

  @Mixin ListingOptions listing;

  /** The container table of {@code ps} and {@code system df -v}. */
  static void print(PrintStream out, List<ContainerItem> items) {
    Table t = new Table("CONTAINER ID", "IMAGE", "NAME", "SIZE", "VIRTUAL");
    for (ContainerItem c : items) {
      t.row(ShortId.of(c.id()), c.image(), c.name(), size(c), ByteSize.human(c.virtualSize()));
    }
    t.print(out);
  }

  /**
   * SIZE as docker means it, the bytes written into the writable layer, and beside it what the
   * store holds for this container alone (deduplicated and compressed: what removing it frees).
   */
  static String size(ContainerItem c) {
    return ByteSize.human(c.size()) + " (" + ByteSize.human(c.exclusiveSize()) + " exclusive)";
  }

  @Override
  int run(StrataClient client, StrataCli cli) throws Exception {
    return list(client, listing, cli.terminal().out(), cli.json());
  }

  /**
   * Lists the containers of {@code client} as {@code listing} and {@code json} ask, on {@code out}:
   * the one listing of {@code ps} and of the quick path ({@link QuickCommand}).
   */
  static int list(StrataClient client, ListingOptions listing, PrintStream out, boolean json)
      throws IOException {
    AncestorFilter.check(listing.filters);
    ListingOptions.Shape<ContainerItem> shape = shape(listing, client);
    List<ContainerItem> kept;
    try {
      kept = listing.filter(client.containers(), shape);
    } catch (UncheckedIOException e) {
      throw e.getCause();
    }
    listing.print(out, json, kept, shape);
    return ExitStatus.OK;
  }

  /**
   * The columns, fields and filters of the container listing; the label filter asks {@code client}
   * for each container's labels.
   */
  static ListingOptions.Shape<ContainerItem> shape(ListingOptions listing, StrataClient client) {
    ListingOptions.Shape<ContainerItem> shape =
        new ListingOptions.Shape<ContainerItem>()
            .column("ID", "CONTAINER ID")
            .column("Image", "IMAGE")
            .column("Names", "NAME")
            .column("Size", "SIZE")
            .column("VirtualSize", "VIRTUAL")
            .field("ExclusiveSize")
            .field("CreatedAt")
            .filter("id", (c, v) -> c.id().startsWith(v))
            .filter("name", (c, v) -> c.name() != null && c.name().contains(v))
            .filter("ancestor", new AncestorFilter(client)::matches);
    Map<String, Map<String, String>> labels = new HashMap<>();
    shape.filter(
        "label",
        (c, v) -> {
          Map<String, String> l =
              labels.computeIfAbsent(
                  c.id(),
                  id -> {
                    try {
                      return client.inspectContainer(id).labels();
                    } catch (IOException e) {
                      throw new UncheckedIOException(e);
                    }
                  });
          int eq = v.indexOf('=');
          return eq < 0 ? l.containsKey(v) : v.substring(eq + 1).equals(l.get(v.substring(0, eq)));
        });
    shape.row =
        c -> {
          Map<String, Object> r = new LinkedHashMap<>();
          r.put("ID", listing.id(c.id()));
          r.put("Image", c.image());
          r.put("Names", c.name());
          r.put("Size", size(c));
          r.put("ExclusiveSize", ByteSize.human(c.exclusiveSize()));
          r.put("VirtualSize", ByteSize.human(c.virtualSize()));
          r.put("CreatedAt", c.created());
          return r;
        };
    return shape;
  }
}
