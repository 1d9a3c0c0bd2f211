package io.strata.containerd;

import com.google.protobuf.Empty;
import io.grpc.stub.StreamObserver;
import io.strata.containerd.api.snapshots.CleanupRequest;
import io.strata.containerd.api.snapshots.CommitSnapshotRequest;
import io.strata.containerd.api.snapshots.Info;
import io.strata.containerd.api.snapshots.Kind;
import io.strata.containerd.api.snapshots.ListSnapshotsRequest;
import io.strata.containerd.api.snapshots.ListSnapshotsResponse;
import io.strata.containerd.api.snapshots.MountsRequest;
import io.strata.containerd.api.snapshots.MountsResponse;
import io.strata.containerd.api.snapshots.PrepareSnapshotRequest;
import io.strata.containerd.api.snapshots.PrepareSnapshotResponse;
import io.strata.containerd.api.snapshots.RemoveSnapshotRequest;
import io.strata.containerd.api.snapshots.SnapshotsGrpc;
import io.strata.containerd.api.snapshots.StatSnapshotRequest;
import io.strata.containerd.api.snapshots.StatSnapshotResponse;
import io.strata.containerd.api.snapshots.UpdateSnapshotRequest;
import io.strata.containerd.api.snapshots.UpdateSnapshotResponse;
import io.strata.containerd.api.snapshots.UsageRequest;
import io.strata.containerd.api.snapshots.UsageResponse;
import io.strata.containerd.api.snapshots.ViewSnapshotRequest;
import io.strata.containerd.api.snapshots.ViewSnapshotResponse;
import io.strata.containerd.api.types.Mount;
import io.strata.store.driver.SnapshotInfo;
import io.strata.store.driver.StorageDriver;
import io.strata.store.engine.ChunkStore;
import io.strata.store.error.AlreadyExistsException;
import io.strata.store.error.ConflictException;
import io.strata.store.image.ImageStore;
import java.io.IOException;
import java.util.List;
import java.util.Map;

/**
 * {@code containerd.services.snapshots.v1.Snapshots} over the storage driver: every containerd
 * snapshot is a driver snapshot whose key carries its namespace ({@link SnapshotKeys}). Errors are
 * the codes containerd's own snapshotters give (its {@code snapshots/storage}): an unknown key or
 * parent is NOT_FOUND, a taken key ALREADY_EXISTS, a parent that is not committed INVALID_ARGUMENT,
 * committing what is not active, removing a parent or mounting a committed snapshot
 * FAILED_PRECONDITION.
 */
final class SnapshotsService extends SnapshotsGrpc.SnapshotsImplBase {
  /** The label containerd's unpacker sets to the chain id it will commit a layer under. */
  static final String TARGET_LABEL = "containerd.io/snapshot.ref";

  /** How many infos one List message carries, as containerd batches them. */

  /**
   * What Prepare and View hand out when snapshots cannot be mounted: a mount whose type no kernel
   * knows, so that containerd fails loudly at mount time instead of writing a layer into a plain
   * directory that is not the snapshot. The Mounts call itself fails with the reason.
   */
  static final Mount UNMOUNTABLE =
      Mount.newBuilder().setType("strata-needs-fuse").setSource("stratad-without-fuse").build();

  private final StorageDriver driver;
  private final ChunkStore chunks;
  private final SnapshotMounts mounts;

  SnapshotsService(StorageDriver driver, ChunkStore chunks, SnapshotMounts mounts) {
    this.driver = driver;
    this.chunks = chunks;
    this.mounts = mounts;
  }

  @Override
  public void prepare(PrepareSnapshotRequest req, StreamObserver<PrepareSnapshotResponse> out) {
    Calls.unary(
        out,
        () -> {
          String ns = Namespaces.current();
          String key = SnapshotKeys.driverKey(ns, req.getKey());
          String parent = parentKey(ns, req.getParent());
          Map<String, String> labels = Labels.clean(req.getLabelsMap());
          String target = labels.get(TARGET_LABEL);
          if (target != null && ImageStore.holdsLayer(chunks, target)) {
            commitHeldLayer(ns, target, parent, labels);
          }
          driver.prepare(key, parent, labels);
          return PrepareSnapshotResponse.newBuilder().addAllMounts(mountsOf(key, false)).build();
        });
  }

  /**
   * The remote-snapshot handshake: a layer Strata holds is committed at once, under its chain id
   * with containerd's labels and parent, and the Prepare answers ALREADY_EXISTS; containerd then
   * finds it by its {@value #TARGET_LABEL} label and parent and skips unpacking.
   */
  private void commitHeldLayer(String ns, String chainId, String parent, Map<String, String> labels)
      throws IOException {
    String name = SnapshotKeys.driverKey(ns, chainId);
    try {
      driver.clone(name, chainId, parent, labels);
    } catch (AlreadyExistsException e) {
      // committed before (an earlier unpack of the same image): the same answer
    }
    throw new AlreadyExistsException(
        "target snapshot " + chainId + ": committed from the layer Strata holds");
  }

  @Override
  public void view(ViewSnapshotRequest req, StreamObserver<ViewSnapshotResponse> out) {
    Calls.unary(
        out,
        () -> {
          String ns = Namespaces.current();
          String key = SnapshotKeys.driverKey(ns, req.getKey());
          driver.view(key, parentKey(ns, req.getParent()), Labels.clean(req.getLabelsMap()));
          return ViewSnapshotResponse.newBuilder().addAllMounts(mountsOf(key, true)).build();
        });
  }

  @Override
  public void mounts(MountsRequest req, StreamObserver<MountsResponse> out) {
    Calls.unary(
        out,
        () -> {
          String key = SnapshotKeys.driverKey(Namespaces.current(), req.getKey());
          SnapshotInfo info = driver.stat(key);
          if (info.kind() == io.strata.store.driver.Kind.COMMITTED) {
            throw new ConflictException(
                "snapshot " + req.getKey() + " is committed; only active and view snapshots mount");
          }
          String dir = mounts.mountPoint(key, info.kind() == io.strata.store.driver.Kind.VIEW);
          return MountsResponse.newBuilder()
              .addMounts(bind(dir, info.kind() == io.strata.store.driver.Kind.VIEW))
              .build();
        });
  }

  @Override
  public void commit(CommitSnapshotRequest req, StreamObserver<Empty> out) {
    Calls.unary(
        out,
        () -> {
          String ns = Namespaces.current();
          String key = SnapshotKeys.driverKey(ns, req.getKey());
          String name = SnapshotKeys.driverKey(ns, req.getName());
          driver.stat(key);
          mounts.release(key);
          driver.commit(name, key, Labels.clean(req.getLabelsMap()));
          return Empty.getDefaultInstance();
        });
  }

  @Override
  public void remove(RemoveSnapshotRequest req, StreamObserver<Empty> out) {
    Calls.unary(
        out,
        () -> {
          String key = SnapshotKeys.driverKey(Namespaces.current(), req.getKey());
          driver.stat(key);
          mounts.release(key);
          driver.remove(key);
          return Empty.getDefaultInstance();
        });
  }

  @Override
  public void stat(StatSnapshotRequest req, StreamObserver<StatSnapshotResponse> out) {
    Calls.unary(
        out,
        () -> {
          String ns = Namespaces.current();
          SnapshotInfo info = driver.stat(SnapshotKeys.driverKey(ns, req.getKey()));
          return StatSnapshotResponse.newBuilder().setInfo(toProto(ns, info)).build();
        });
  }

  @Override
  public void update(UpdateSnapshotRequest req, StreamObserver<UpdateSnapshotResponse> out) {
    Calls.unary(
        out,
        () -> {
          String ns = Namespaces.current();
          String key = SnapshotKeys.driverKey(ns, req.getInfo().getName());
          SnapshotInfo current = driver.stat(key);
          Map<String, String> labels =
              Labels.update(
                  "snapshot " + req.getInfo().getName(),
                  current.labels(),
                  req.getInfo().getLabelsMap(),
                  req.hasUpdateMask() ? req.getUpdateMask() : null);
          SnapshotInfo updated = driver.relabel(key, labels);
          return UpdateSnapshotResponse.newBuilder().setInfo(toProto(ns, updated)).build();
        });
  }

  @Override
  public void list(ListSnapshotsRequest req, StreamObserver<ListSnapshotsResponse> out) {
    Calls.list(
        out,
        (List<Info> batch) -> ListSnapshotsResponse.newBuilder().addAllInfo(batch).build(),
        sink -> {
          String ns = Namespaces.current();
          Filters filters = Filters.parse(req.getFiltersList());
          String prefix = SnapshotKeys.prefix(ns);
          driver.walk(
              info -> {
                if (info.key().startsWith(prefix)) {
                  Info i = toProto(ns, info);
                  if (filters.matches(path -> field(i, path))) {
                    sink.accept(i);
                  }
                }
              });
        });
  }

  /**
   * containerd's snapshot filter fields: name, parent, kind, labels.K. (present even when empty, as
   * in containerd's adaptors; a label is present when set).
   */
  private static String field(Info i, List<String> path) {
    String value =
        switch (path.get(0)) {
          case "name" -> path.size() == 1 ? i.getName() : null;
          case "parent" -> path.size() == 1 ? i.getParent() : null;
          case "kind" ->
              path.size() == 1 ? i.getKind().name().toLowerCase(java.util.Locale.ROOT) : null;
          case "labels" -> path.size() == 2 ? i.getLabelsMap().get(path.get(1)) : null;
          default -> null;
        };
    return value;
  }

  /**
   * Size is the bytes of file content written in this snapshot since its parent, as an overlay
   * snapshotter's upper directory holds them: what the kubelet counts against a container's
   * ephemeral storage, so it must not shrink by compression or deduplication (the pack bytes only
   * the snapshot holds, which {@code strata driver} shows, would let a container write gigabytes of
   * zeros for free). What the mount has buffered is written first. Inodes: the entries it adds,
   * changes or deletes relative to its parent.
   */
  @Override
  public void usage(UsageRequest req, StreamObserver<UsageResponse> out) {
    Calls.unary(
        out,
        () -> {
          String key = SnapshotKeys.driverKey(Namespaces.current(), req.getKey());
          SnapshotInfo info = driver.stat(key);
          mounts.flush(key); // the bytes the mount held count too (AJ3)
          long written = driver.written(key);
          long inodes = 0;
          // counted from the stream: a list of every change could take the heap (G5)
          try (var changes = driver.diffStream(key, info.parent())) {
            for (; changes.hasNext(); changes.next()) {
              inodes++;
            }
          }
          return UsageResponse.newBuilder().setSize(written).setInodes(inodes).build();
        });
  }

  /** Nothing to do: a removed snapshot's chunks are reclaimed by the store's gc. */
  @Override
  public void cleanup(CleanupRequest req, StreamObserver<Empty> out) {
    Calls.unary(
        out,
        () -> {
          Namespaces.current();
          return Empty.getDefaultInstance();
        });
  }

  private String parentKey(String ns, String parent) {
    if (parent.isEmpty()) {
      return null;
    }
    String key = SnapshotKeys.driverKey(ns, parent);
    SnapshotInfo p = driver.stat(key);
    if (p.kind() != io.strata.store.driver.Kind.COMMITTED) {
      throw ErrorCodes.invalid("parent " + parent + " is not a committed snapshot");
    }
    return key;
  }

  private List<Mount> mountsOf(String key, boolean readOnly) throws IOException {
    try {
      return List.of(bind(mounts.mountPoint(key, readOnly), readOnly));
    } catch (MountsUnavailableException e) {
      return List.of(UNMOUNTABLE);
    }
  }

  static Mount bind(String dir, boolean readOnly) {
    return Mount.newBuilder()
        .setType("bind")
        .setSource(dir)
        .addOptions("rbind")
        .addOptions(readOnly ? "ro" : "rw")
        .build();
  }

  private static Info toProto(String ns, SnapshotInfo info) {
    String parent = info.parent() == null ? null : SnapshotKeys.containerdKey(ns, info.parent());
    return Info.newBuilder()
        .setName(SnapshotKeys.containerdKey(ns, info.key()))
        .setParent(parent == null ? "" : parent)
        .setKind(
            switch (info.kind()) {
              case ACTIVE -> Kind.ACTIVE;
              case VIEW -> Kind.VIEW;
              case COMMITTED -> Kind.COMMITTED;
            })
        .setCreatedAt(Times.of(info.created()))
        .setUpdatedAt(Times.of(info.updated()))
        .putAllLabels(info.labels())
        .build();
  }
}
