package io.strata.server.op;

import io.strata.containerd.SnapshotKeys;
import io.strata.protocol.Opcode;
import io.strata.protocol.message.DiskUsageReply;
import io.strata.store.container.ContainerDiskUsage;
import io.strata.store.container.ContainerStore;
import io.strata.store.disk.RemovalSpace;
import io.strata.store.driver.Snapshot;
import io.strata.store.engine.ChunkStore;
import io.strata.store.image.ImageDiskUsage;
import io.strata.store.image.ImageStore;
import io.strata.store.registry.RegistryRoots;
import io.strata.store.volume.VolumeDiskUsage;
import java.io.IOException;
import java.util.Map;

/**
 * {@code system.df}: what images, containers and volumes take and what removing the unused ones
 * would free, and what the registry, containerd and plain blobs hold besides. Every reclaimable
 * figure is the pack bytes of the chunks no root left after the removal references
 * (docs/ADVERSARIAL.md, W5).
 */
final class DiskUsageOperations {
  private final ChunkStore chunks;
  private final ImageStore images;
  private final ContainerStore containers;

  DiskUsageOperations(ChunkStore chunks, ImageStore images, ContainerStore containers) {
    this.chunks = chunks;
    this.images = images;
    this.containers = containers;
  }

  void register(Map<Opcode, Operation> into) {
    into.put(Opcode.SYSTEM_DF, this::diskUsage);
  }

  private Outcome diskUsage(byte[] json) throws IOException {
    Arguments.read(json, Object.class, Opcode.SYSTEM_DF);
    // an image the registry serves as pushed keeps its chunks through its manifest; one it only
    // publishes goes with the image, as the registry's sweep deletes such views
    ImageDiskUsage i =
        images.diskUsage(containers::usesImage, ids -> RegistryRoots.freedWith(chunks, ids));
    ContainerDiskUsage c = containers.diskUsage(chunks);
    VolumeDiskUsage v = containers.volumes().diskUsage();
    String ctrdSnapshots = Snapshot.rootName(SnapshotKeys.PREFIX);
    ImageStore.BuildCacheUse b = images.buildCacheUse();
    RegistryRoots.Ownership registry = RegistryRoots.ownership(chunks);
    return new Outcome.Reply(
        new DiskUsageReply(
            new DiskUsageReply.Row(i.total(), i.active(), i.size(), i.reclaimable()),
            new DiskUsageReply.Row(c.total(), c.active(), c.size(), c.reclaimable()),
            new DiskUsageReply.Row(v.total(), v.active(), v.size(), v.reclaimable()),
            held(RemovalSpace.of(chunks, registry.registryHeld())),
            // containerd's content records and its snapshots in the driver's key space
            held(
                RemovalSpace.of(
                    chunks, n -> n.startsWith(SnapshotKeys.PREFIX) || n.startsWith(ctrdSnapshots))),
            new DiskUsageReply.Row(b.entries(), b.active(), b.size(), b.reclaimable()),
            held(RemovalSpace.of(chunks, registry.plainBlobs()))));
  }

  private static DiskUsageReply.Held held(RemovalSpace s) {
    return new DiskUsageReply.Held(s.roots(), s.size(), s.reclaimable());
  }
}
