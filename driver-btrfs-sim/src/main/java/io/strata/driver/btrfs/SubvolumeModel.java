package io.strata.driver.btrfs;

import io.strata.store.driver.Kind;
import io.strata.store.driver.Snapshot;
import io.strata.store.driver.SnapshotSet;
import io.strata.store.fs.AccessTimes;
import io.strata.store.fs.FileLayout;
import io.strata.store.image.layer.LayerStore;
import java.util.UUID;
import java.util.function.Supplier;

/**
 * The Btrfs side of the snapshot bookkeeping: every snapshot is a subvolume, files are extent
 * lists, and changes join the running transaction (see {@link Counters}).
 *
 * <ul>
 *   <li>{@code prepare} from nothing is {@code btrfs subvolume create}: a new id, no parent;
 *   <li>{@code prepare} or {@code view} of a parent is {@code btrfs subvolume snapshot [-r]}: a new
 *       id, linked to the parent by its id and UUID;
 *   <li>{@code commit} sets the subvolume read-only and renames it, keeping id, UUID and links
 *       (containerd's btrfs snapshotter snapshots and deletes instead, which would give every
 *       committed layer a new id and leave its children's parent UUIDs dangling).
 * </ul>
 */
final class SubvolumeModel implements SnapshotSet.Model {
  private final Counters counters;
  private final Supplier<UUID> uuids;
  private final java.util.function.LongSupplier clock;

  SubvolumeModel(Counters counters, Supplier<UUID> uuids, java.util.function.LongSupplier clock) {
    this.counters = counters;
    this.uuids = uuids;
    this.clock = clock;
  }

  @Override
  public FileLayout layout(Snapshot s) {
    // Linux mounts Btrfs with relatime by default. A layer being built (LayerStore.TMP) is read
    // back by Strata to describe it, not by a process: it changes no access time, as a layer
    // extracted by Docker is never read back.
    return new ExtentLayout(
        s.key().startsWith(LayerStore.TMP) ? AccessTimes.NEVER : AccessTimes.RELATIVE);
  }

  @Override
  public byte[] created(Snapshot proposed, Snapshot parent) {
    long now = clock.getAsLong();
    if (proposed.kind() == Kind.COMMITTED) {
      // Only commit makes committed snapshots; "parent" is then the active one being committed.
      return Subvolume.decode(parent.extension(), parent.key()).committed(proposed.key()).encode();
    }
    boolean readOnly = proposed.kind() != Kind.ACTIVE;
    Subvolume from = parent == null ? null : Subvolume.decode(parent.extension(), parent.key());
    // btrfs subvolume create joins the running transaction; a snapshot is made by committing it
    long gen = from == null ? counters.join(now) : counters.commit(now);
    return Subvolume.made(
            counters.nextId(),
            gen,
            from == null ? 0 : from.id(),
            readOnly,
            uuids.get(),
            from == null ? null : from.uuid(),
            proposed.key())
        .encode();
  }

  @Override
  public byte[] changed(Snapshot s) {
    long running = counters.join(clock.getAsLong());
    return Subvolume.decode(s.extension(), s.key()).changed(running).encode();
  }
}
