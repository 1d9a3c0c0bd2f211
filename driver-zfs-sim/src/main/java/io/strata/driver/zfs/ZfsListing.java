package io.strata.driver.zfs;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.ToLongFunction;
import org.roaringbitmap.RoaringBitmap;

/**
 * {@code zfs list -t all -o name,used,avail,refer,origin,...}: the rows, which {@code strata driver
 * ls} prints as zfs does.
 *
 * <p>Space is charged as ZFS charges it. {@code refer} is everything a dataset's (or snapshot's)
 * tree references. A dataset's {@code used} is what it and the snapshots it holds reference beyond
 * its origin snapshot: a clone is charged only for what it changed, the dataset holding the origin
 * for the rest, and {@code promote} moves that charge. A snapshot's {@code used} is what nothing
 * else of its dataset references. The pool's {@code used} is the sum of its datasets'; like ZFS, it
 * does not subtract what deduplication saves (the store's own figures show that).
 */
public final class ZfsListing {
  private ZfsListing() {}

  /** A dataset's {@code written}, by its snapshot key (it reads the dataset's changed files). */
  interface Written {
    long of(String key) throws IOException;
  }

  /**
   * The rows: the pool, then each dataset by id followed by the snapshots it holds, oldest first.
   * Each row has {@code name}, {@code type} ({@code filesystem} or {@code snapshot}), {@code used}
   * and {@code refer} (bytes, as {@code Long}), {@code origin} ({@code -} if none), {@code avail}
   * (bytes, a {@code Long}, see {@link #available}; {@code -} for snapshots), {@code mountpoint}
   * ({@code legacy} for datasets as Docker's zfs driver sets it, {@code none} for the pool, {@code
   * -} for snapshots) and, but for the pool, {@code key}: the containerd snapshot whose tree it
   * shows. The pool and datasets also carry {@code written} and every {@link DatasetProperty} by
   * its name, so that {@code zfs list -o} takes each property {@code zfs get} knows ({@code quota}
   * in bytes, 0 for none, as {@code zfs list -p} prints it).
   */
  static List<Map<String, Object>> rows(
      DatasetTable table,
      Function<String, RoaringBitmap> chunksOf,
      ToLongFunction<RoaringBitmap> bytes,
      Written written,
      long free)
      throws IOException {
    List<DatasetTable.Entry> datasets = new ArrayList<>();
    List<Long> useds = new ArrayList<>();
    long poolUsed = 0;
    for (DatasetTable.Entry e : table.entries()) {
      if (!DatasetTable.snapshotOnly(e.key())) {
        datasets.add(
            e); // a snapshot-only entry is a destroyed dataset's tree: listed as a snapshot
        long used = used(table, e, chunksOf, bytes);
        useds.add(used);
        poolUsed += used;
      }
    }
    long poolAvail = available(free, quota(table, null), poolUsed);
    List<Map<String, Object>> out = new ArrayList<>();
    Map<String, Object> pool =
        row(DatasetTable.POOL, "filesystem", poolUsed, 0, "-", null, poolAvail);
    out.add(withProperties(pool, table, null, 0));
    for (int i = 0; i < datasets.size(); i++) {
      DatasetTable.Entry e = datasets.get(i);
      RoaringBitmap head = chunksOf.apply(e.key());
      List<Long> held = table.held(e);
      long origin = e.record().origin();
      long used = useds.get(i);
      Map<String, Object> r =
          row(
              e.name(),
              "filesystem",
              used,
              bytes.applyAsLong(head),
              origin == 0 ? "-" : table.snapshotName(origin),
              e.key(),
              available(poolAvail, quota(table, e), used));
      out.add(withProperties(r, table, e, written.of(e.key())));
      for (long m : held) {
        RoaringBitmap snap = chunksOf.apply(table.owner(m).key());
        RoaringBitmap rest = head.clone();
        for (long other : held) {
          if (other != m) {
            rest.or(chunksOf.apply(table.owner(other).key()));
          }
        }
        out.add(
            row(
                table.snapshotName(m),
                "snapshot",
                bytes.applyAsLong(RoaringBitmap.andNot(snap, rest)),
                bytes.applyAsLong(snap),
                "-",
                table.owner(m).key(),
                -1));
      }
    }
    return out;
  }

  /**
   * What a dataset (or the pool) may still write, as ZFS's {@code available}: {@code free} (the
   * disk's, or what the pool leaves), less what its quota leaves when it has one.
   */
  static long available(long free, long quota, long used) {
    return quota > 0 ? Math.min(free, Math.max(0, quota - used)) : free;
  }

  /** The quota of {@code e} (null: the pool) in bytes; 0: none. */
  static long quota(DatasetTable table, DatasetTable.Entry e) {
    return DatasetProperty.quotaBytes(table.effective(e, DatasetProperty.QUOTA).value());
  }

  private static Map<String, Object> withProperties(
      Map<String, Object> row, DatasetTable table, DatasetTable.Entry e, long written) {
    row.put("written", written);
    for (DatasetProperty p : DatasetProperty.values()) {
      String v = table.effective(e, p).value();
      row.put(p.id(), p == DatasetProperty.QUOTA ? (Object) DatasetProperty.quotaBytes(v) : v);
    }
    return row;
  }

  /**
   * A dataset's {@code used}: the bytes it and the snapshots it holds reference beyond its origin
   * snapshot.
   */
  static long used(
      DatasetTable table,
      DatasetTable.Entry e,
      Function<String, RoaringBitmap> chunksOf,
      ToLongFunction<RoaringBitmap> bytes) {
    RoaringBitmap all = chunksOf.apply(e.key()).clone();
    for (long m : table.held(e)) {
      all.or(chunksOf.apply(table.owner(m).key()));
    }
    long origin = e.record().origin();
    if (origin != 0 && table.owner(origin) != null) {
      all.andNot(chunksOf.apply(table.owner(origin).key()));
    }
    return bytes.applyAsLong(all);
  }

  private static Map<String, Object> row(
      String name, String type, long used, long refer, String origin, String key, long avail) {
    Map<String, Object> r = new LinkedHashMap<>();
    r.put("name", name);
    r.put("type", type);
    r.put("used", used);
    r.put("refer", refer);
    r.put("origin", origin);
    r.put("avail", avail < 0 ? "-" : (Object) avail);
    r.put("mountpoint", type.equals("snapshot") ? "-" : key == null ? "none" : "legacy");
    if (key != null) {
      r.put("key", key);
    }
    return r;
  }
}
