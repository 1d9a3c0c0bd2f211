package io.strata.server.op;

import io.strata.protocol.Opcode;
import io.strata.protocol.message.ListEnd;
import io.strata.protocol.message.VolumeArgs;
import io.strata.protocol.message.VolumeItem;
import io.strata.protocol.message.VolumePruneArgs;
import io.strata.protocol.message.VolumePruneReply;
import io.strata.store.error.InvalidArgumentException;
import io.strata.store.volume.VolumeInfo;
import io.strata.store.volume.VolumeStore;
import java.io.IOException;
import java.util.List;
import java.util.Map;

/** {@code volume.create|ls|inspect|rm|prune} over the engine's {@link VolumeStore}. */
final class VolumeOperations {
  private final VolumeStore volumes;

  VolumeOperations(VolumeStore volumes) {
    this.volumes = volumes;
  }

  void register(Map<Opcode, Operation> into) {
    into.put(Opcode.VOLUME_CREATE, this::create);
    into.put(Opcode.VOLUME_LIST, this::list);
    into.put(Opcode.VOLUME_INSPECT, this::inspect);
    into.put(Opcode.VOLUME_REMOVE, this::remove);
    into.put(Opcode.VOLUME_PRUNE, this::prune);
  }

  private Outcome create(byte[] json) throws IOException {
    String name = Arguments.read(json, VolumeArgs.class, Opcode.VOLUME_CREATE).name();
    VolumeInfo v = name == null ? volumes.createAnonymous() : volumes.create(name);
    return new Outcome.Reply(item(v));
  }

  private Outcome list(byte[] json) throws IOException {
    Arguments.read(json, Object.class, Opcode.VOLUME_LIST);
    JsonLinesStream lines =
        new JsonLinesStream(volumes.list().stream().map(VolumeOperations::item).iterator());
    return new Outcome.Download(lines, () -> new ListEnd(lines.count()));
  }

  private Outcome inspect(byte[] json) throws IOException {
    return new Outcome.Reply(item(volumes.inspect(name(json, Opcode.VOLUME_INSPECT))));
  }

  private Outcome remove(byte[] json) throws IOException {
    String name = name(json, Opcode.VOLUME_REMOVE);
    volumes.remove(name);
    return new Outcome.Reply(new VolumeArgs(name));
  }

  /** Anonymous volumes only, unless {@code all}; never one a container mounts. */
  private Outcome prune(byte[] json) throws IOException {
    boolean all = Arguments.read(json, VolumePruneArgs.class, Opcode.VOLUME_PRUNE).all();
    List<VolumeInfo> removed = volumes.prune(all);
    return new Outcome.Reply(
        new VolumePruneReply(
            removed.stream().map(VolumeInfo::name).toList(),
            removed.stream().mapToLong(VolumeInfo::size).sum()));
  }

  private static String name(byte[] json, Opcode op) {
    String name = Arguments.read(json, VolumeArgs.class, op).name();
    if (name == null || name.isEmpty()) {
      throw new InvalidArgumentException(op.label() + ": the argument name is missing");
    }
    return name;
  }

  private static VolumeItem item(VolumeInfo v) {
    return new VolumeItem(v.name(), v.mountpoint(), v.inUse(), v.size(), v.created().toString());
  }
}
