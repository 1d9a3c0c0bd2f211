package io.strata.driver.zfs;

import java.io.DataOutputStream;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The pool's own record, the payload of the chunk-store root {@code zfs/pool}: the properties set
 * on the pool dataset {@code strata} (inherited by every dataset), and a promote in progress.
 *
 * <p>A promote rewrites two snapshot records, and the store commits one record at a time; so the
 * two new records are first written here, then applied, then cleared. Opening the driver applies a
 * pending promote again, so a crash leaves either the old pair or the new one.
 *
 * <pre>
 * payload := u8 version(=1) u16 propCount (str name str value){propCount}
 *            u16 pendingCount update{pendingCount}
 * update  := str key str parent(empty: none) u32 extLength ext
 * </pre>
 *
 * @param properties the pool's local properties, canonical values
 * @param pending the record updates of an unfinished promote, or none
 */
record PoolRecord(Map<String, String> properties, List<Update> pending) {
  static final String ROOT = "zfs/pool";
  static final PoolRecord EMPTY = new PoolRecord(Map.of(), List.of());
  private static final int VERSION = 1;

  /**
   * A snapshot record's new parent link and extension.
   *
   * @param key the snapshot
   * @param parent its new parent, or null
   * @param extension its new extension
   */
  record Update(String key, String parent, byte[] extension) {}

  PoolRecord {
    properties = Map.copyOf(properties);
    pending = List.copyOf(pending);
  }

  PoolRecord withProperty(String name, String value) {
    Map<String, String> p = new TreeMap<>(properties);
    if (value == null) {
      p.remove(name);
    } else {
      p.put(name, value);
    }
    return new PoolRecord(p, pending);
  }

  PoolRecord withPending(List<Update> updates) {
    return new PoolRecord(properties, updates);
  }

  byte[] encode() {
    return Encoding.encode(
        (DataOutputStream out) -> {
          out.writeByte(VERSION);
          Encoding.writeMap(out, properties);
          out.writeShort(pending.size());
          for (Update u : pending) {
            Encoding.writeStr(out, u.key());
            Encoding.writeStr(out, u.parent() == null ? "" : u.parent());
            Encoding.writeBytes(out, u.extension());
          }
        });
  }

  static PoolRecord decode(byte[] payload) {
    String what = "root " + ROOT;
    return Encoding.decode(
        payload,
        what,
        (ByteBuffer in) -> {
          Encoding.version(in, VERSION, what);
          Map<String, String> props = Encoding.readMap(in);
          int n = in.getShort() & 0xFFFF;
          List<Update> pending = new ArrayList<>(n);
          for (int i = 0; i < n; i++) {
            String key = Encoding.readStr(in);
            String parent = Encoding.readStr(in);
            pending.add(new Update(key, parent.isEmpty() ? null : parent, Encoding.readBytes(in)));
          }
          return new PoolRecord(props, pending);
        });
  }
}
