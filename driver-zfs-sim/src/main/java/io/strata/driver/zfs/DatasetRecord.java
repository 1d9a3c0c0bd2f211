package io.strata.driver.zfs;

import java.io.DataOutputStream;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The ZFS side of one containerd snapshot, kept in its record's extension so it is persisted
 * atomically with it: the dataset's id ({@code strata/<id>}), the snapshot it was cloned from, the
 * snapshots it holds, and its local properties.
 *
 * <p>A ZFS snapshot is named after the dataset whose commit made it ({@code @<id>}) and its content
 * is that committed dataset's tree; {@code promote} moves it to another dataset's {@code held}
 * list, which changes its full name ({@code strata/<holder>@<id>}) but not its identity.
 *
 * <pre>
 * ext := u8 version(=1) u64 id u64 origin(0: none) u16 heldCount u64{heldCount}
 *        u16 propCount (str name str value){propCount}
 * str := u16 length utf8
 * </pre>
 *
 * @param id the dataset's number, unique in the pool while anything names it
 * @param origin the id of the snapshot this dataset is a clone of, or 0
 * @param held the ids of the snapshots this dataset holds, oldest first
 * @param properties the properties set locally on this dataset, canonical values
 */
record DatasetRecord(long id, long origin, List<Long> held, Map<String, String> properties) {
  private static final int VERSION = 1;

  DatasetRecord {
    if (id <= 0 || origin < 0) {
      throw new IllegalArgumentException("dataset id " + id + ", origin " + origin);
    }
    held = List.copyOf(held);
    properties = Map.copyOf(properties);
  }

  /** A new dataset with nothing set. */
  static DatasetRecord create(long id, long origin) {
    return new DatasetRecord(id, origin, List.of(), Map.of());
  }

  DatasetRecord withOrigin(long o) {
    return new DatasetRecord(id, o, held, properties);
  }

  DatasetRecord withHeld(List<Long> h) {
    return new DatasetRecord(id, origin, h, properties);
  }

  /** This record holding one more snapshot, the newest. */
  DatasetRecord holding(long snapshot) {
    List<Long> h = new ArrayList<>(held);
    h.add(snapshot);
    return withHeld(h);
  }

  /** This record with {@code name} set locally to {@code value}, or cleared if null. */
  DatasetRecord withProperty(String name, String value) {
    Map<String, String> p = new TreeMap<>(properties);
    if (value == null) {
      p.remove(name);
    } else {
      p.put(name, value);
    }
    return new DatasetRecord(id, origin, held, p);
  }

  byte[] encode() {
    return Encoding.encode(
        (DataOutputStream out) -> {
          out.writeByte(VERSION);
          out.writeLong(id);
          out.writeLong(origin);
          out.writeShort(held.size());
          for (long h : held) {
            out.writeLong(h);
          }
          Encoding.writeMap(out, properties);
        });
  }

  static DatasetRecord decode(byte[] ext, String key) {
    String what = "snapshot " + key + ": dataset record";
    return Encoding.decode(
        ext,
        what,
        (ByteBuffer in) -> {
          Encoding.version(in, VERSION, what);
          long id = in.getLong();
          long origin = in.getLong();
          int n = in.getShort() & 0xFFFF;
          List<Long> held = new ArrayList<>(n);
          for (int i = 0; i < n; i++) {
            held.add(in.getLong());
          }
          return new DatasetRecord(id, origin, held, Encoding.readMap(in));
        });
  }
}
