package io.strata.containerd;

import java.io.IOException;

/**
 * Where snapshots are served as file systems, so that containerd can mount them: the snapshots
 * service answers Prepare, View and Mounts with a bind mount ({@code {type: "bind", source:
 * mountPoint, options: ["rbind", "rw"|"ro"]}}) of the directory this returns, as the stargz and
 * nydus snapshotters hand out their FUSE mount points.
 *
 * <p>Keys are the storage driver's keys (the namespace already folded in, see {@link
 * SnapshotKeys}); the driver's {@code fs(key)} is the tree to serve. Implementations are
 * thread-safe.
 */
public interface SnapshotMounts {
  /**
   * The directory where snapshot {@code key} is served, serving it first if it is not yet: read
   * -write for an active snapshot, read-only for a view ({@code readOnly}; every write fails with
   * EROFS). Calling it again for a served key returns the same directory. Throws {@link
   * MountsUnavailableException} when this stratad cannot serve mounts at all.
   */
  String mountPoint(String key, boolean readOnly) throws IOException;

  /**
   * Stops serving {@code key}, flushing what was written: called before the snapshot is committed
   * or removed. Does nothing for a key that is not served.
   */
  void release(String key) throws IOException;

  /**
   * Hands the snapshot what its mount's processes wrote and the mount holds (the write-behind, the
   * kernel's dirty pages), so that what reads the snapshot beside the mount sees it: {@code Usage}.
   * Nothing is made durable. Does nothing for a key that is not served.
   */
  default void flush(String key) throws IOException {}

  /** The mounts of a stratad without FUSE support: every {@link #mountPoint} call fails. */
  static SnapshotMounts unavailable() {
    return new SnapshotMounts() {
      @Override
      public String mountPoint(String key, boolean readOnly) {
        throw new MountsUnavailableException(
            "snapshot "
                + key
                + ": cannot be mounted: these snapshots services run without FUSE mounts (stratad"
                + " --containerd-socket serves them)");
      }

      @Override
      public void release(String key) {}
    };
  }
}
