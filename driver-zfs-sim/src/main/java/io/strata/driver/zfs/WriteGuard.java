package io.strata.driver.zfs;

import io.strata.store.error.ConflictException;
import io.strata.store.error.StorageFullException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.function.ToLongFunction;
import org.roaringbitmap.RoaringBitmap;

/**
 * What {@code readonly} and {@code quota} refuse. A dataset with {@code readonly=on} (local or
 * inherited) refuses every change to its files, as a read-only ZFS mount answers EROFS. A write is
 * refused once the dataset's {@code used} (itself and its snapshots beyond its origin, as {@code
 * zfs list} charges it) plus the records written since its last durable change plus the record
 * about to be stored would pass its quota, or the pool's {@code used} would pass the pool's: ZFS's
 * EDQUOT. Like ZFS, a record is counted whole and uncompressed before it is written (its estimate),
 * and deleting files is never refused. A change that stores no record (a {@code mkdir}, a rename, a
 * {@code chmod}) is refused once one tree node more would pass a quota. Records stored by a change
 * that is then refused are rolled back with it, so the store is unchanged.
 *
 * <p>Reads the immutable table and the chunk store's reference sets only: it runs inside a file
 * system's lock, where the driver's own lock must not be taken.
 */
final class WriteGuard {
  private final Supplier<DatasetTable> table;
  private final Function<String, RoaringBitmap> chunksOf;
  private final ToLongFunction<RoaringBitmap> bytes;

  /** Record bytes admitted per snapshot key since its last durable change. */
  private final Map<String, Long> pending = new ConcurrentHashMap<>();

  WriteGuard(
      Supplier<DatasetTable> table,
      Function<String, RoaringBitmap> chunksOf,
      ToLongFunction<RoaringBitmap> bytes) {
    this.table = table;
    this.chunksOf = chunksOf;
    this.bytes = bytes;
  }

  /** Refuses any change to {@code key}'s files while its dataset is read-only. */
  void checkWritable(String key) {
    DatasetTable t = table.get();
    DatasetTable.Entry e = t.byKey(key);
    PropertyValue ro = t.effective(e, DatasetProperty.READONLY);
    if (ro.value().equals("on")) {
      throw new ConflictException(
          "dataset "
              + e.name()
              + " (snapshot "
              + key
              + "): read-only file system (readonly=on, "
              + (ro.source().equals("local") ? "set locally" : ro.source())
              + ")");
    }
  }

  /**
   * Admits a record of {@code recordBytes} about to be stored in {@code key}, or refuses it. A
   * refusal rolls back every change since the last durable one, which is what {@code pending}
   * counted, so it is cleared.
   */
  void admit(String key, long recordBytes) {
    try {
      admitOrThrow(key, recordBytes);
    } catch (RuntimeException e) {
      pending.remove(key);
      throw e;
    }
  }

  /**
   * The space a change that stores no record is taken to need: one tree node, whole and
   * uncompressed (a tree node holds at most 16 KiB of items), as a record is counted whole.
   */
  static final long METADATA_BYTES = 16 << 10;

  /**
   * Admits a change that stores no record (a directory, a link, a rename, new attributes), or
   * refuses it: as ZFS refuses such a transaction when its estimate does not fit under the quota
   * (EDQUOT), a change is refused once {@link #METADATA_BYTES} more would pass a quota that
   * applies. Checked, not reserved: the change's nodes are counted when it is durable.
   */
  void admitMetadata(String key) {
    try {
      checkWritable(key);
      check(key, METADATA_BYTES, "changing");
    } catch (RuntimeException e) {
      pending.remove(key); // the refusal rolls back what was pending too
      throw e;
    }
  }

  private void admitOrThrow(String key, long recordBytes) {
    checkWritable(key);
    check(key, recordBytes, "writing");
    pending.merge(key, recordBytes, Long::sum);
  }

  private void check(String key, long recordBytes, String doing) {
    DatasetTable t = table.get();
    DatasetTable.Entry e = t.byKey(key);
    long own = DatasetProperty.quotaBytes(t.effective(e, DatasetProperty.QUOTA).value());
    long pool = DatasetProperty.quotaBytes(t.effective(null, DatasetProperty.QUOTA).value());
    long mine = pending.getOrDefault(key, 0L) + recordBytes;
    if (own > 0) {
      long used = ZfsListing.used(t, e, chunksOf, bytes);
      refuseOver(e.name(), key, doing, own, used, mine);
    }
    if (pool > 0) {
      long used = 0;
      for (DatasetTable.Entry d : t.entries()) {
        if (!DatasetTable.snapshotOnly(d.key())) {
          used += ZfsListing.used(t, d, chunksOf, bytes);
        }
      }
      long all = recordBytes;
      for (long p : pending.values()) {
        all += p;
      }
      refuseOver(DatasetTable.POOL, key, doing, pool, used, all);
    }
  }

  private static void refuseOver(
      String dataset, String key, String doing, long quota, long used, long adding) {
    if (used + adding > quota) {
      throw new StorageFullException(
          "dataset "
              + dataset
              + " ("
              + doing
              + " snapshot "
              + key
              + "): disk quota exceeded: quota "
              + DatasetProperty.niceBytes(quota)
              + ", used "
              + DatasetProperty.niceBytes(used)
              + (doing.equals("writing") ? ", this write needs " : ", this change needs ")
              + DatasetProperty.niceBytes(adding)
              + " more");
    }
  }

  /** {@code key}'s changes are durable (or rolled back): its used figure counts them now. */
  void settled(String key) {
    pending.remove(key);
  }
}
