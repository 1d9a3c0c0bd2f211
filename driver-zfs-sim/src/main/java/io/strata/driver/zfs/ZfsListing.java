package io.strata.driver.zfs;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import java.util.function.ToLongFunction;
import org.roaringbitmap.RoaringBitmap;

/**
 * {@code zfs list -t all -o name,used,refer,origin}: the rows, and the table as zfs prints it.
 *
 * <p>Space is charged as ZFS charges it. {@code refer} is everything a dataset's (or snapshot's)
 * tree references. A dataset's {@code used} is what it and the snapshots it holds reference beyond
 * its origin snapshot: a clone is charged only for what it changed, the dataset holding the origin
 * for the rest, and {@code promote} moves that charge. A snapshot's {@code used} is what nothing
 * else of its dataset references. The pool's {@code used} is the sum of its datasets'; like ZFS, it
 * does not subtract what deduplication saves (the store's own figures show that).
 */
public final class ZfsListing {
  /** The columns, as {@code -o} names them. */
  public static final List<String> COLUMNS = List.of("name", "used", "refer", "origin");

  private ZfsListing() {}

  /**
   * The rows: the pool, then each dataset by id followed by the snapshots it holds, oldest first.
   * Each row has {@code name}, {@code type} ({@code filesystem} or {@code snapshot}), {@code used}
   * and {@code refer} (bytes, as {@code Long}), {@code origin} ({@code -} if none) and, but for the
   * pool, {@code key}: the containerd snapshot whose tree it shows.
   */
  static List<Map<String, Object>> rows(
      DatasetTable table,
      Function<String, RoaringBitmap> chunksOf,
      ToLongFunction<RoaringBitmap> bytes) {
    List<Map<String, Object>> out = new ArrayList<>();
    long poolUsed = 0;
    for (DatasetTable.Entry e : table.entries()) {
      RoaringBitmap head = chunksOf.apply(e.key());
      List<Long> held = table.held(e);
      RoaringBitmap all = head.clone();
      for (long m : held) {
        all.or(chunksOf.apply(table.owner(m).key()));
      }
      long origin = e.record().origin();
      if (origin != 0 && table.owner(origin) != null) {
        all.andNot(chunksOf.apply(table.owner(origin).key()));
      }
      long used = bytes.applyAsLong(all);
      poolUsed += used;
      out.add(
          row(
              e.name(),
              "filesystem",
              used,
              bytes.applyAsLong(head),
              origin == 0 ? "-" : table.snapshotName(origin),
              e.key()));
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
                table.owner(m).key()));
      }
    }
    out.add(0, row(DatasetTable.POOL, "filesystem", poolUsed, 0, "-", null));
    return out;
  }

  private static Map<String, Object> row(
      String name, String type, long used, long refer, String origin, String key) {
    Map<String, Object> r = new LinkedHashMap<>();
    r.put("name", name);
    r.put("type", type);
    r.put("used", used);
    r.put("refer", refer);
    r.put("origin", origin);
    if (key != null) {
      r.put("key", key);
    }
    return r;
  }

  /**
   * The rows as {@code zfs list -o name,used,refer,origin} prints them: a header, names and origins
   * left-aligned, sizes right-aligned in zfs's short form, columns two spaces apart.
   */
  public static String format(List<Map<String, Object>> rows) {
    List<String[]> cells = new ArrayList<>();
    cells.add(new String[] {"NAME", "USED", "REFER", "ORIGIN"});
    for (Map<String, Object> r : rows) {
      cells.add(
          new String[] {
            String.valueOf(r.get("name")),
            size(r.get("used")),
            size(r.get("refer")),
            String.valueOf(r.get("origin"))
          });
    }
    int[] width = new int[4];
    for (String[] c : cells) {
      for (int i = 0; i < 4; i++) {
        width[i] = Math.max(width[i], c[i].length());
      }
    }
    StringBuilder sb = new StringBuilder();
    for (String[] c : cells) {
      sb.append(pad(c[0], width[0], false)).append("  ");
      sb.append(pad(c[1], width[1], true)).append("  ");
      sb.append(pad(c[2], width[2], true)).append("  ");
      sb.append(c[3]).append('\n');
    }
    return sb.toString();
  }

  private static String size(Object bytes) {
    return bytes instanceof Number n ? nicenum(n.longValue()) : String.valueOf(bytes);
  }

  private static String pad(String s, int width, boolean right) {
    String fill = " ".repeat(width - s.length());
    return right ? fill + s : s + fill;
  }

  /**
   * A byte count as zfs prints it ({@code zfs_nicenum}): {@code 512B}, {@code 128K}, {@code 1.21M},
   * {@code 12.3G}: exact multiples without decimals, others with as many as fit in five characters.
   */
  public static String nicenum(long bytes) {
    if (bytes < 0) {
      throw new IllegalArgumentException("negative size " + bytes);
    }
    String units = "BKMGTPE";
    int index = 0;
    while (index < units.length() - 1 && (bytes >>> (10 * index)) >= 1024) {
      index++;
    }
    char u = units.charAt(index);
    if (index == 0 || (bytes & ((1L << (10 * index)) - 1)) == 0) {
      return (bytes >>> (10 * index)) + String.valueOf(u);
    }
    double value = (double) bytes / (1L << (10 * index));
    String s = "";
    for (int precision = 2; precision >= 0; precision--) {
      s = String.format(Locale.ROOT, "%." + precision + "f%c", value, u);
      if (s.length() <= 5) {
        break;
      }
    }
    return s;
  }
}
