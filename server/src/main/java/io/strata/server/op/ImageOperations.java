package io.strata.server.op;

import io.strata.protocol.Opcode;
import io.strata.protocol.ProtocolException;
import io.strata.protocol.filter.PruneFilter;
import io.strata.protocol.message.BuildPruneArgs;
import io.strata.protocol.message.BuildPruneReply;
import io.strata.protocol.message.HeldArgs;
import io.strata.protocol.message.HeldReply;
import io.strata.protocol.message.HistoryItem;
import io.strata.protocol.message.ImageArgs;
import io.strata.protocol.message.ImageItem;
import io.strata.protocol.message.ImagePruneArgs;
import io.strata.protocol.message.InspectReply;
import io.strata.protocol.message.Json;
import io.strata.protocol.message.ListEnd;
import io.strata.protocol.message.RemoveReply;
import io.strata.protocol.message.TagArgs;
import io.strata.protocol.message.TagReply;
import io.strata.store.error.CorruptDataException;
import io.strata.store.error.InvalidArgumentException;
import io.strata.store.image.ImageDetails;
import io.strata.store.image.ImageRef;
import io.strata.store.image.ImageStore;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * {@code image.ls|history|inspect|tag|rm}: the image requests without a payload, over the engine's
 * {@link ImageStore}. {@code use} says which images containers use.
 */
final class ImageOperations {
  private static final String UNTAGGED = "Untagged: ";
  private static final String DELETED = "Deleted: ";

  private final ImageStore images;
  private final ImageUse use;
  private final Predicate<String> registryServes;

  /**
   * Over {@code images}; {@code use} says which images containers use, {@code registryServes} which
   * tags the registry serves as pushed (they stay there when the name goes here).
   */
  ImageOperations(ImageStore images, ImageUse use, Predicate<String> registryServes) {
    this.images = images;
    this.use = use;
    this.registryServes = registryServes;
  }

  void register(Map<Opcode, Operation> into) {
    into.put(Opcode.IMAGE_LIST, this::list);
    into.put(Opcode.IMAGE_HISTORY, this::history);
    into.put(Opcode.IMAGE_INSPECT, this::inspect);
    into.put(Opcode.IMAGE_TAG, this::tag);
    into.put(Opcode.IMAGE_REMOVE, this::remove);
    into.put(Opcode.IMAGE_HELD, this::held);
    into.put(Opcode.BUILD_PRUNE, this::pruneBuildCache);
    into.put(Opcode.IMAGE_PRUNE, this::prune);
  }

  /**
   * {@code image prune}: the filter read here, with this server's clock for a duration (the clock
   * that stamped the images), and applied by the store where it removes.
   */
  private Outcome prune(byte[] json) throws IOException {
    ImagePruneArgs args = Arguments.read(json, ImagePruneArgs.class, Opcode.IMAGE_PRUNE);
    PruneFilter filter =
        Filters.read(args.until(), args.labels(), args.notLabels(), Opcode.IMAGE_PRUNE);
    List<List<String>> removals =
        images.prune(
            args.all(),
            c -> filter.matches(PruneFilter.instant(c.created()), c.labels()),
            use::users);
    List<String> untagged = new ArrayList<>();
    List<String> deleted = new ArrayList<>();
    removals.forEach(lines -> split(lines, untagged, deleted));
    List<String> kept = untagged.stream().filter(registryServes).toList();
    return new Outcome.Reply(new RemoveReply(untagged, deleted, kept));
  }

  private Outcome pruneBuildCache(byte[] json) throws IOException {
    BuildPruneArgs args = Arguments.read(json, BuildPruneArgs.class, Opcode.BUILD_PRUNE);
    ImageStore.BuildCachePrune p = images.pruneBuildCache(args.all());
    return new Outcome.Reply(new BuildPruneReply(p.entries(), p.layers()));
  }

  private Outcome held(byte[] json) throws IOException {
    HeldArgs args = Arguments.read(json, HeldArgs.class, Opcode.IMAGE_HELD);
    if (args.diffIds() == null || args.digests() == null) {
      throw new InvalidArgumentException(
          "image.held: the arguments diffIds and digests are required");
    }
    return new Outcome.Reply(new HeldReply(images.heldLayers(args.diffIds(), args.digests())));
  }

  private Outcome list(byte[] json) {
    Arguments.read(json, Object.class, Opcode.IMAGE_LIST);
    JsonLinesStream lines =
        new JsonLinesStream(
            images.list().stream()
                .map(
                    i ->
                        new ImageItem(
                            i.repository(),
                            i.tag(),
                            i.id(),
                            i.size(),
                            i.sharedSize(),
                            i.uniqueSize(),
                            i.created(),
                            i.labels()))
                .iterator());
    return new Outcome.Download(lines, () -> new ListEnd(lines.count()));
  }

  private Outcome history(byte[] json) {
    String image = image(json, Opcode.IMAGE_HISTORY);
    JsonLinesStream lines =
        new JsonLinesStream(
            images.history(image).stream()
                .map(h -> new HistoryItem(h.layerId(), h.size(), h.createdBy()))
                .iterator());
    return new Outcome.Download(lines, () -> new ListEnd(lines.count()));
  }

  private Outcome inspect(byte[] json) {
    ImageDetails d = images.inspect(image(json, Opcode.IMAGE_INSPECT));
    try {
      return new Outcome.Reply(
          new InspectReply(
              d.id(),
              d.repoTags(),
              d.repoDigests(),
              d.layers(),
              Json.tree(d.config().getBytes(StandardCharsets.UTF_8), "config of image " + d.id()),
              d.topLayer(),
              d.created()));
    } catch (ProtocolException e) {
      throw new CorruptDataException(e.getMessage(), "image/" + d.id());
    }
  }

  private Outcome tag(byte[] json) throws IOException {
    TagArgs args = Arguments.read(json, TagArgs.class, Opcode.IMAGE_TAG);
    if (args.source() == null || args.target() == null) {
      throw new InvalidArgumentException("image.tag: the arguments source and target are required");
    }
    String target = ImageRef.parse(args.target()).toString();
    images.tag(args.source(), target);
    return new Outcome.Reply(new TagReply(images.resolve(target), target));
  }

  private Outcome remove(byte[] json) throws IOException {
    ImageArgs args = args(json, Opcode.IMAGE_REMOVE);
    List<String> lines = images.removeNamingUsers(args.image(), args.forced(), use::users);
    List<String> untagged = new ArrayList<>();
    List<String> deleted = new ArrayList<>();
    split(lines, untagged, deleted);
    List<String> kept = untagged.stream().filter(registryServes).toList();
    return new Outcome.Reply(new RemoveReply(untagged, deleted, kept));
  }

  /** A removal's {@code Untagged:} and {@code Deleted:} lines into their lists. */
  private static void split(List<String> lines, List<String> untagged, List<String> deleted) {
    for (String line : lines) {
      if (line.startsWith(UNTAGGED)) {
        untagged.add(line.substring(UNTAGGED.length()));
      } else if (line.startsWith(DELETED)) {
        deleted.add(line.substring(DELETED.length()));
      }
    }
  }

  private static String image(byte[] json, Opcode op) {
    return args(json, op).image();
  }

  private static ImageArgs args(byte[] json, Opcode op) {
    ImageArgs args = Arguments.read(json, ImageArgs.class, op);
    if (args.image() == null || args.image().isEmpty()) {
      throw new InvalidArgumentException(op.label() + ": the argument image is missing");
    }
    return args;
  }
}
