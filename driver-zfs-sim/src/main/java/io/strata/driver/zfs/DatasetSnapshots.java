package io.strata.driver.zfs;

import java.io.IOException;

/**
 * {@code zfs snapshot}, {@code zfs rollback [-r]} and {@code zfs destroy -R}: more than the one
 * snapshot a commit makes. A snapshot taken here is named {@code strata/<id>@<n>} by a new number;
 * it is not a containerd snapshot (containerd never sees it), only a tree the dataset holds.
 */
public interface DatasetSnapshots {
  /**
   * {@code zfs snapshot}: a snapshot of the dataset behind {@code key} as its files are now
   * (pending changes made durable first); returns its name, {@code strata/<id>@<n>}.
   *
   * @throws io.strata.store.error.NotFoundException if {@code key} does not exist
   */
  String snapshot(String key) throws IOException;

  /**
   * {@code zfs rollback [-r] strata/<id>@<n>}: the written (active) dataset's files become the
   * snapshot's. Refused while more recent snapshots of the dataset exist, unless {@code
   * destroyNewer} ({@code -r}) destroys them; refused if one of those has clones.
   *
   * @throws io.strata.store.error.NotFoundException for an unknown snapshot
   * @throws io.strata.store.error.ConflictException as described, or for a committed dataset
   */
  void rollback(String snapshot, boolean destroyNewer) throws IOException;

  /**
   * {@code zfs destroy -R}: the dataset behind {@code key} with its snapshots and everything that
   * depends on it (clones of its snapshots, containerd snapshots made from it), dependents first.
   */
  void destroyRecursive(String key) throws IOException;
}
