package io.strata.driver.zfs;

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
 * does not subtract what deduplication saves (the store's own figures show that). {@code written}
 * is what a dataset references beyond its latest snapshot (or its origin, before it has one), and a
 * snapshot's what it references beyond the snapshot before it: as in ZFS, never more than {@code
 * refer}. All four count the same allocated bytes, the stored (compressed) chunks with their
 * framing, as ZFS counts allocated (compressed) blocks in them; the uncompressed bytes of a
 * container's writes are {@code strata ps}'s SIZE (docs/ADVERSARIAL.md, Z3).
 */
public final class ZfsListing {
  private ZfsListing() {}

  /**
   * The rows: the pool, then each dataset by id followed by the snapshots it holds, oldest first.
   * Each row has {@code name}, {@code type} ({@code filesystem} or {@code snapshot}), {@code used},
   * {@code refer} and {@code written} (bytes, as {@code Long}), {@code origin} (null if none),
   * {@code avail} (bytes, a {@code Long}, see {@link #available}; null for snapshots), {@code
   * mountpoint} ({@code legacy} for datasets as Docker's zfs driver sets it, {@code none} for the
   * pool, null for snapshots) and, but for the pool, {@code key}: the containerd snapshot whose
   * tree it shows. Sizes are numbers and what a row lacks is null, so --json has one type per key
   * (docs/ADVERSARIAL.md, Z6). The pool and datasets also carry every {@link DatasetProperty} by
   * its name, so that {@code zfs list -o} takes each property {@code zfs get} knows ({@code quota}
   * and {@code recordsize} in bytes, quota 0 for none, as {@code zfs list -p} prints them).
   */
  static List<Map<String, Object>> rows(
      DatasetTable table,
      Function<String, RoaringBitmap> chunksOf,
      ToLongFunction<RoaringBitmap> bytes,
      long free) {
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
        row(DatasetTable.POOL, "filesystem", poolUsed, 0, 0, null, null, poolAvail);
    out.add(withProperties(pool, table, null));
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
              written(table, e, chunksOf, bytes),
              origin == 0 ? null : table.snapshotName(origin),
              e.key(),
              available(poolAvail, quota(table, e), used));
      out.add(withProperties(r, table, e));
      for (int j = 0; j < held.size(); j++) {
        long m = held.get(j);
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
                bytes.applyAsLong(
                    RoaringBitmap.andNot(
                        snap, before(table, e, j == 0 ? 0 : held.get(j - 1), chunksOf))),
                null,
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
      Map<String, Object> row, DatasetTable table, DatasetTable.Entry e) {
    for (DatasetProperty p : DatasetProperty.values()) {
      String v = table.effective(e, p).value();
      row.put(
          p.id(),
          switch (p) {
            case QUOTA -> (Object) DatasetProperty.quotaBytes(v);
            case RECORDSIZE -> (Object) (long) DatasetProperty.recordSize(v);
            default -> v;
          });
    }
    return row;
  }

  /**
   * A dataset's {@code written}: the bytes its tree references beyond its latest snapshot, or its
   * origin before it has one (all of it without either).
   */
  static long written(
      DatasetTable table,
      DatasetTable.Entry e,
      Function<String, RoaringBitmap> chunksOf,
      ToLongFunction<RoaringBitmap> bytes) {
    List<Long> held = table.held(e);
    RoaringBitmap prior =
        before(table, e, held.isEmpty() ? 0 : held.get(held.size() - 1), chunksOf);
    return bytes.applyAsLong(RoaringBitmap.andNot(chunksOf.apply(e.key()), prior));
  }

  /**
   * The chunks of snapshot {@code id} of {@code e}, or with 0 of {@code e}'s origin (none for a
   * dataset that is no clone): what {@code written} is counted beyond.
   */
  private static RoaringBitmap before(
      DatasetTable table, DatasetTable.Entry e, long id, Function<String, RoaringBitmap> chunksOf) {
    long m = id != 0 ? id : e.record().origin();
    DatasetTable.Entry owner = m == 0 ? null : table.owner(m);
    return owner == null ? new RoaringBitmap() : chunksOf.apply(owner.key());
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
      String name,
      String type,
      long used,
      long refer,
      long written,
      String origin,
      String key,
      long avail) {
    Map<String, Object> r = new LinkedHashMap<>();
    r.put("name", name);
    r.put("type", type);
    r.put("used", used);
    r.put("refer", refer);
    r.put("origin", origin);
    r.put("avail", avail < 0 ? null : (Object) avail);
    r.put("mountpoint", type.equals("snapshot") ? null : key == null ? "none" : "legacy");
    r.put("written", written);
    if (key != null) {
      r.put("key", key);
    }
    return r;
  }
}
