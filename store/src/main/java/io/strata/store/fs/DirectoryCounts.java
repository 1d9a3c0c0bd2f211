package io.strata.store.fs;

import java.nio.charset.StandardCharsets;

/**
 * What a directory reports as {@code st_nlink} and {@code st_size}, as the file system a driver
 * models reports them. The tree keeps two counts in a directory's INODE item, updated with every
 * entry added or removed: {@code nlink} is 2 plus the subdirectories (the traditional Unix count),
 * and {@code size} is the sum of {@link #weight} over the entries. {@link #nlink} and {@link #size}
 * turn them into what {@code stat} shows.
 */
public enum DirectoryCounts {
  /**
   * Btrfs: a directory's {@code st_nlink} is always 1, and its {@code st_size} is twice the sum of
   * its entries' name lengths in bytes (each name is in a DIR_ITEM and a DIR_INDEX item; {@code
   * btrfs_add_link} adds {@code name_len * 2}).
   */
  BTRFS {
    @Override
    public long weight(String name) {
      return 2L * name.getBytes(StandardCharsets.UTF_8).length;
    }

    @Override
    public int nlink(int stored) {
      return 1;
    }

    @Override
    public long size(long stored) {
      return stored;
    }
  },
  /**
   * ZFS: {@code st_nlink} is 2 plus the subdirectories, and {@code st_size} the number of entries
   * plus 2 ({@code zfs_mknode} starts a directory at size 2 for "." and "..", {@code
   * zfs_link_create} adds 1 per entry and a link per subdirectory).
   */
  ZFS {
    @Override
    public long weight(String name) {
      return 1;
    }

    @Override
    public int nlink(int stored) {
      return stored;
    }

    @Override
    public long size(long stored) {
      return stored + 2;
    }
  };

  /** What an entry named {@code name} adds to the stored size of its directory. */
  public abstract long weight(String name);

  /** The {@code st_nlink} a directory whose stored count is {@code stored} reports. */
  public abstract int nlink(int stored);

  /** The {@code st_size} a directory whose stored size is {@code stored} reports. */
  public abstract long size(long stored);
}
