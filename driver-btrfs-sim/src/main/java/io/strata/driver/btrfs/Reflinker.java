package io.strata.driver.btrfs;

import java.io.IOException;

/**
 * An optional ability of a driver whose files are extent lists: copying a file by sharing its
 * extents, as {@code cp --reflink} ({@code FICLONE}) does on Btrfs. The copy stores no data; the
 * two files share chunks until either is written, and a write then copies only the blocks it
 * touches.
 */
public interface Reflinker {
  /**
   * Makes {@code dstPath} in active snapshot {@code key} a copy of the regular file {@code srcPath}
   * of the same snapshot (same permissions and owner), replacing a file already at {@code dstPath}.
   * Durable when it returns.
   *
   * @throws io.strata.store.error.NotFoundException if the snapshot or source is missing
   * @throws io.strata.store.error.InvalidArgumentException if the source is not a regular file
   * @throws io.strata.store.error.ConflictException if the snapshot is read-only, or a directory is
   *     at {@code dstPath}
   */
  void reflink(String key, String srcPath, String dstPath) throws IOException;
}
