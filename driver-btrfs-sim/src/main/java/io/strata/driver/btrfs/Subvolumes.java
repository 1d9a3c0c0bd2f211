package io.strata.driver.btrfs;

import io.strata.store.driver.SnapshotInfo;
import java.io.IOException;

/**
 * What {@code btrfs subvolume} allows beyond containerd's snapshot rules: snapshots of writable
 * subvolumes, and deleting a subvolume that has snapshots; and {@code btrfs filesystem sync}.
 */
public interface Subvolumes {
  /**
   * {@code btrfs subvolume snapshot [-r] SOURCE DEST}: a new subvolume {@code dest} with {@code
   * source}'s files as they are now, whatever {@code source}'s kind (a writable one's changes are
   * made durable first). Its {@code parent_uuid} is {@code source}'s UUID; {@code readOnly} makes
   * it a view.
   *
   * @throws io.strata.store.error.NotFoundException if {@code source} is missing
   * @throws io.strata.store.error.AlreadyExistsException if {@code dest} is taken
   */
  SnapshotInfo snapshot(String source, String dest, boolean readOnly) throws IOException;

  /**
   * {@code btrfs subvolume delete KEY}: removes the subvolume even if others were snapshotted from
   * it. They keep their files and their {@code parent_uuid} (naming a deleted subvolume, as in
   * Btrfs); their containerd parent becomes the deleted one's parent.
   *
   * @throws io.strata.store.error.NotFoundException if {@code key} is missing
   */
  void delete(String key) throws IOException;

  /**
   * {@code btrfs filesystem sync}: commits the running transaction if it holds changes, so the
   * subvolumes changed in it show its number as their gen. Returns the last committed generation.
   */
  long sync();
}
