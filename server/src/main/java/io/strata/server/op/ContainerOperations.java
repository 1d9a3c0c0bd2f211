package io.strata.server.op;

import io.strata.protocol.Opcode;
import io.strata.protocol.message.ChangeItem;
import io.strata.protocol.message.CommitArgs;
import io.strata.protocol.message.CommitReply;
import io.strata.protocol.message.ContainerArgs;
import io.strata.protocol.message.ContainerInspectReply;
import io.strata.protocol.message.ContainerItem;
import io.strata.protocol.message.ContainerRemoveArgs;
import io.strata.protocol.message.ContainerReply;
import io.strata.protocol.message.CreateArgs;
import io.strata.protocol.message.CreateReply;
import io.strata.protocol.message.ListEnd;
import io.strata.protocol.message.MountItem;
import io.strata.store.container.ContainerConfig;
import io.strata.store.container.ContainerSettings;
import io.strata.store.container.ContainerStore;
import io.strata.store.container.Mount;
import io.strata.store.driver.Change;
import io.strata.store.driver.ChangeStream;
import io.strata.store.error.InvalidArgumentException;
import io.strata.store.image.ImageRef;
import io.strata.store.image.ImageStore;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code container.create|ls|inspect|rm|commit|diff}: the container requests without a payload,
 * over the engine's {@link ContainerStore}. Mount specs arrive as the user wrote them and are
 * parsed here, on the host whose paths bind sources name.
 */
final class ContainerOperations {
  private final ImageStore images;
  private final ContainerStore containers;

  ContainerOperations(ImageStore images, ContainerStore containers) {
    this.images = images;
    this.containers = containers;
  }

  void register(Map<Opcode, Operation> into) {
    into.put(Opcode.CONTAINER_CREATE, this::create);
    into.put(Opcode.CONTAINER_LIST, this::list);
    into.put(Opcode.CONTAINER_INSPECT, this::inspect);
    into.put(Opcode.CONTAINER_REMOVE, this::remove);
    into.put(Opcode.CONTAINER_COMMIT, this::commit);
    into.put(Opcode.CONTAINER_DIFF, this::diff);
  }

  private Outcome create(byte[] json) throws IOException {
    CreateArgs args = Arguments.read(json, CreateArgs.class, Opcode.CONTAINER_CREATE);
    if (args.image() == null || args.image().isEmpty()) {
      throw new InvalidArgumentException("container.create: the argument image is missing");
    }
    List<Mount> mounts = new ArrayList<>();
    for (String spec : args.volumes()) {
      Mount m = Mount.ofVolumeFlag(spec);
      containers.makeMissingBindSource(m); // -v only: --mount type=bind refuses a missing source
      mounts.add(m);
    }
    for (String spec : args.mounts()) {
      mounts.add(Mount.ofMountFlag(spec));
    }
    String id =
        containers.create(
            args.image(),
            args.name(),
            mounts,
            new ContainerSettings(args.env(), labels(args.labels()), args.workdir()));
    return new Outcome.Reply(new CreateReply(id, containers.inspect(id).name()));
  }

  /** {@code KEY=VALUE} entries as a map; a KEY alone has the value "". */
  private static Map<String, String> labels(List<String> entries) {
    Map<String, String> labels = new LinkedHashMap<>();
    for (String e : entries) {
      int eq = e.indexOf('=');
      labels.put(eq < 0 ? e : e.substring(0, eq), eq < 0 ? "" : e.substring(eq + 1));
    }
    return labels;
  }

  private Outcome list(byte[] json) throws IOException {
    Arguments.read(json, Object.class, Opcode.CONTAINER_LIST);
    JsonLinesStream lines =
        new JsonLinesStream(
            containers.list().stream()
                .map(
                    c ->
                        new ContainerItem(
                            c.id(),
                            c.name(),
                            ShownImage.of(images, c.image(), c.imageId()),
                            c.imageId(),
                            c.created(),
                            c.size(),
                            c.virtualSize(),
                            c.exclusiveSize()))
                .iterator());
    return new Outcome.Download(lines, () -> new ListEnd(lines.count()));
  }

  private Outcome inspect(byte[] json) {
    ContainerConfig c = containers.inspect(container(json, Opcode.CONTAINER_INSPECT));
    List<MountItem> mounts =
        c.mounts().stream()
            .map(m -> new MountItem(m.type(), m.source(), m.target(), m.readOnly(), m.anonymous()))
            .toList();
    return new Outcome.Reply(
        new ContainerInspectReply(
            c.id(),
            c.name(),
            c.image(),
            c.imageId(),
            c.created(),
            mounts,
            c.settings().env(),
            c.settings().labels(),
            c.settings().workingDir()));
  }

  private Outcome remove(byte[] json) throws IOException {
    ContainerRemoveArgs args =
        Arguments.read(json, ContainerRemoveArgs.class, Opcode.CONTAINER_REMOVE);
    ContainerConfig c = containers.inspect(required(args.container(), Opcode.CONTAINER_REMOVE));
    containers.remove(c.id(), args.volumes());
    return new Outcome.Reply(new ContainerReply(c.id(), c.name()));
  }

  private Outcome commit(byte[] json) throws IOException {
    CommitArgs args = Arguments.read(json, CommitArgs.class, Opcode.CONTAINER_COMMIT);
    ContainerConfig c = containers.inspect(required(args.container(), Opcode.CONTAINER_COMMIT));
    if (args.tag() == null || args.tag().isEmpty()) {
      throw new InvalidArgumentException("container.commit: the argument tag is missing");
    }
    String tag = ImageRef.parse(args.tag()).toString();
    String id = containers.commit(c.id(), tag);
    return new Outcome.Reply(new CommitReply(id, tag));
  }

  private Outcome diff(byte[] json) throws IOException {
    String ref = container(json, Opcode.CONTAINER_DIFF);
    // Streamed as the client reads it, from the diff's spool: never every change in memory at
    // once (docs/ADVERSARIAL.md, G5). The download closes the lines, which close the spool.
    ChangeStream changes = containers.diffStream(ref);
    JsonLinesStream lines =
        new JsonLinesStream(
            new Iterator<ChangeItem>() {
              @Override
              public boolean hasNext() {
                return changes.hasNext();
              }

              @Override
              public ChangeItem next() {
                Change ch = changes.next();
                return new ChangeItem(String.valueOf(ch.kind()), ch.path());
              }
            },
            changes);
    return new Outcome.Download(lines, () -> new ListEnd(lines.count()));
  }

  private static String container(byte[] json, Opcode op) {
    return required(Arguments.read(json, ContainerArgs.class, op).container(), op);
  }

  /** A container reference argument, which every container request needs. */
  static String required(String container, Opcode op) {
    if (container == null || container.isEmpty()) {
      throw new InvalidArgumentException(op.label() + ": the argument container is missing");
    }
    return container;
  }
}
