package io.strata.driver.zfs;

import io.strata.store.driver.Kind;
import io.strata.store.driver.Snapshot;
import io.strata.store.error.CorruptDataException;
import io.strata.store.error.InvalidArgumentException;
import io.strata.store.error.NotFoundException;
import io.strata.store.fs.AccessTimes;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * An immutable picture of the pool: every dataset with its containerd snapshot, who holds which ZFS
 * snapshot, and the pool's properties. Rebuilt after every change to the records, and read without
 * locks by the record layouts, which must not wait on the driver while a file system is locked.
 */
final class DatasetTable {
  static final String POOL = "strata";

  /**
   * The key prefix of a destroyed dataset's tree kept for its snapshot, which a promote moved to
   * another dataset: {@code zfs-retired@<id>}.
   */
  static final String RETIRED = "zfs-retired@";

  /** The key prefix of a snapshot {@code zfs snapshot} took: {@code zfs-snapshot@<id>}. */
  static final String SNAPSHOT = "zfs-snapshot@";

  /**
   * Whether {@code key} is an entry that is no dataset, only the tree of snapshot {@code @<id>}
   * (retired or taken by {@code zfs snapshot}): not listed as a dataset, without properties, hidden
   * from containerd, and gone when no dataset holds its snapshot any more.
   */
  static boolean snapshotOnly(String key) {
    return key.startsWith(RETIRED) || key.startsWith(SNAPSHOT);
  }

  /**
   * One dataset.
   *
   * @param key the containerd snapshot it backs
   * @param kind active, view or committed
   * @param parent its containerd parent, or null
   * @param record its ZFS side
   */
  record Entry(String key, Kind kind, String parent, DatasetRecord record) {
    long id() {
      return record.id();
    }

    String name() {
      return POOL + "/" + record.id();
    }
  }

  private final Map<String, Entry> byKey = new HashMap<>();
  private final Map<Long, Entry> byId = new TreeMap<>();
  private final Map<Long, Entry> holders = new HashMap<>();
  private final PoolRecord pool;

  private DatasetTable(Collection<Snapshot> snapshots, PoolRecord pool) {
    this.pool = pool;
    for (Snapshot s : snapshots) {
      Entry e =
          new Entry(s.key(), s.kind(), s.parent(), DatasetRecord.decode(s.extension(), s.key()));
      byKey.put(e.key(), e);
      if (byId.put(e.id(), e) != null) {
        throw new CorruptDataException(
            "dataset " + e.name() + " backs two snapshots, one of them " + e.key(), e.name());
      }
    }
    for (Entry e : byId.values()) {
      for (long m : e.record().held()) {
        if (byId.containsKey(m)) {
          holders.put(m, e);
        }
      }
    }
  }

  static DatasetTable of(Map<String, Snapshot> snapshots, PoolRecord pool) {
    return new DatasetTable(snapshots.values(), pool);
  }

  /** A dataset id no record names: one past the largest id, origin or held snapshot in use. */
  static long nextId(Map<String, Snapshot> snapshots) {
    long max = 0;
    for (Snapshot s : snapshots.values()) {
      DatasetRecord r = DatasetRecord.decode(s.extension(), s.key());
      max = Math.max(max, Math.max(r.id(), r.origin()));
      for (long h : r.held()) {
        max = Math.max(max, h);
      }
    }
    return max + 1;
  }

  PoolRecord pool() {
    return pool;
  }

  /** Every dataset, by id. */
  Collection<Entry> entries() {
    return byId.values();
  }

  Entry byKey(String key) {
    Entry e = byKey.get(key);
    if (e == null) {
      throw new NotFoundException("snapshot " + key + " not found");
    }
    return e;
  }

  /** The dataset that backs ZFS snapshot {@code id}'s content (the one whose commit made it). */
  Entry owner(long id) {
    return byId.get(id);
  }

  /** The dataset that holds snapshot {@code id} (after a promote, not its owner), or null. */
  Entry holder(long id) {
    return holders.get(id);
  }

  /**
   * The snapshots {@code e} holds, oldest first, without those whose owner is gone: a snapshot's
   * content lives with its owner, so it goes when the owner goes.
   */
  List<Long> held(Entry e) {
    List<Long> out = new ArrayList<>();
    for (long m : e.record().held()) {
      if (byId.containsKey(m)) {
        out.add(m);
      }
    }
    return out;
  }

  /** The full name of snapshot {@code id}: {@code strata/<holder>@<id>}. */
  String snapshotName(long id) {
    Entry h = holder(id);
    return (h == null ? POOL + "/" + id : h.name()) + "@" + id;
  }

  /** The datasets cloned from snapshot {@code id}. */
  List<Entry> clonesOf(long id) {
    List<Entry> out = new ArrayList<>();
    for (Entry e : byId.values()) {
      if (e.record().origin() == id) {
        out.add(e);
      }
    }
    return out;
  }

  /**
   * The dataset named {@code name} ({@code strata/<id>}); null for the pool itself. Snapshots
   * ({@code @}) have no properties of their own here.
   */
  Entry byName(String name) {
    if (name.equals(POOL)) {
      return null;
    }
    if (name.indexOf('@') >= 0) {
      throw new InvalidArgumentException(
          "dataset " + name + ": a snapshot; properties are set on datasets");
    }
    String prefix = POOL + "/";
    if (name.startsWith(prefix) && name.substring(prefix.length()).matches("[1-9][0-9]{0,18}")) {
      Entry e = byId.get(Long.parseLong(name.substring(prefix.length())));
      if (e != null && !snapshotOnly(e.key())) {
        return e;
      }
    }
    throw new NotFoundException("dataset " + name + " not found");
  }

  /**
   * The effective value of {@code p} on {@code e} (null: the pool): its own local value, else its
   * parent's in the dataset namespace (every dataset {@code strata/<id>} is a child of the pool
   * {@code strata}, as Docker's zfs driver makes them), else the default. A clone does not inherit
   * from its origin, as in ZFS. {@code quota} is never inherited.
   */
  PropertyValue effective(Entry e, DatasetProperty p) {
    String name = e == null ? POOL : e.name();
    String v = e == null ? null : e.record().properties().get(p.id());
    if (v != null) {
      return new PropertyValue(name, p.id(), v, "local");
    }
    v = e == null || p.inheritable() ? pool.properties().get(p.id()) : null;
    if (v != null) {
      return new PropertyValue(name, p.id(), v, source(POOL, name));
    }
    return new PropertyValue(name, p.id(), p.defaultValue(), "default");
  }

  private static String source(String from, String asked) {
    return from.equals(asked) ? "local" : "inherited from " + from;
  }

  /**
   * When reads change access times in {@code e}'s files: never with {@code atime=off}, nor with
   * {@code readonly=on} (a read-only ZFS mount changes nothing); else by {@code relatime}'s rule.
   */
  AccessTimes accessTimes(Entry e) {
    if (effective(e, DatasetProperty.ATIME).value().equals("off")
        || effective(e, DatasetProperty.READONLY).value().equals("on")) {
      return AccessTimes.NEVER;
    }
    return effective(e, DatasetProperty.RELATIME).value().equals("on")
        ? AccessTimes.RELATIVE
        : AccessTimes.EVERY_READ;
  }

  /** What {@code e}'s effective properties mean for its next record. */
  RecordSettings settings(Entry e) {
    return new RecordSettings(
        DatasetProperty.recordSize(effective(e, DatasetProperty.RECORDSIZE).value()),
        DatasetProperty.compression(effective(e, DatasetProperty.COMPRESSION).value()),
        effective(e, DatasetProperty.DEDUP).value().equals("on"));
  }
}
