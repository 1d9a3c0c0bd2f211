package io.strata.driver.btrfs;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The driver's native listing, as {@code btrfs subvolume list} prints it: one entry per subvolume,
 * ordered by id. Each entry is a map with the keys {@code ID}, {@code gen}, {@code cgen}, {@code
 * top level}, {@code parent} (the id of the subvolume it was snapshotted from, 0 for none), {@code
 * parent_uuid} and {@code uuid} ({@code -} for none), {@code readonly}, {@code otime} (when it was
 * made, an ISO-8601 instant) and {@code path}, in that order; numbers are {@link Long}s.
 */
public final class SubvolumeList {
  private SubvolumeList() {}

  /** The entries of {@code subvolumes}, ordered by id. */
  static List<Map<String, Object>> entries(
      Collection<Subvolume> subvolumes, Map<String, java.time.Instant> made) {
    List<Subvolume> sorted = new ArrayList<>(subvolumes);
    sorted.sort(Comparator.comparingLong(Subvolume::id));
    List<Map<String, Object>> out = new ArrayList<>(sorted.size());
    for (Subvolume s : sorted) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("ID", s.id());
      m.put("gen", s.generation());
      m.put("cgen", s.createdGeneration());
      m.put("top level", Subvolume.TOP_LEVEL);
      m.put("parent", s.parentId());
      m.put("parent_uuid", s.parentUuid() == null ? "-" : s.parentUuid().toString());
      m.put("uuid", s.uuid().toString());
      m.put("readonly", s.readOnly());
      java.time.Instant otime = made.get(s.path());
      m.put("otime", otime == null ? "-" : otime.toString());
      m.put("path", s.path());
      out.add(m);
    }
    return out;
  }

  /**
   * One entry as {@code btrfs subvolume list} prints it, {@code ID 257 gen 12 top level 5 path
   * NAME}; with {@code withParent}, as {@code btrfs subvolume list -p} does, {@code ID 257 gen 12
   * parent 5 top level 5 path NAME}: the containing subvolume (always the top level here), not the
   * snapshot source, which is {@code parent_uuid}.
   */
  public static String line(Map<String, ?> entry, boolean withParent) {
    StringBuilder b = new StringBuilder();
    b.append("ID ").append(entry.get("ID")).append(" gen ").append(entry.get("gen"));
    if (withParent) {
      b.append(" parent ").append(entry.get("top level"));
    }
    b.append(" top level ").append(entry.get("top level"));
    return b.append(" path ").append(entry.get("path")).toString();
  }
}
