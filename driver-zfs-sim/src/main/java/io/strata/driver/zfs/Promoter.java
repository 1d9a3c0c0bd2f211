package io.strata.driver.zfs;

import java.io.IOException;

/**
 * {@code zfs promote}: an optional ability of the zfs driver. A clone depends on its origin
 * snapshot, so the dataset holding that snapshot cannot be removed; promoting the clone reverses
 * the dependency, so the former origin can be removed and the clone kept.
 */
public interface Promoter {
  /**
   * Promotes the clone behind snapshot {@code key}: the origin snapshot, and every older snapshot
   * of the dataset holding it, move to the clone; the clone takes the origin dataset's origin and
   * parent; the origin dataset becomes a clone of the moved snapshot, with the promoted one as its
   * parent. No data moves: only names, links and space accounting change.
   *
   * @throws io.strata.store.error.NotFoundException if {@code key} does not exist
   * @throws io.strata.store.error.ConflictException if it is not a clone. An active (written) clone
   *     is promoted too: the former origin's containerd parent is then the active snapshot, and
   *     follows it to its committed name when it is committed.
   */
  void promote(String key) throws IOException;
}
