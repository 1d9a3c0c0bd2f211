package io.strata.store.driver;

import io.strata.store.digest.Digest;
import io.strata.store.error.CorruptDataException;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Map;
import java.util.TreeMap;

/**
 * One snapshot as a root of the chunk store keeps it ({@code snap/<key>}): the generic part every
 * driver shares, plus the driver's own bytes.
 *
 * <pre>
 * payload := u8 version(=2) str key str parent(empty: none) u8 kind time created time updated
 *            u16 labelCount (str name str value){labelCount}
 *            byte[32] treeRoot u32 extensionLength extension
 * str     := u16 length utf8
 * time    := u64 epochSeconds u32 nanos
 * </pre>
 *
 * Version 1 records (read, never written) held {@code u64 createdMillis} in place of the two times;
 * their updated time is their created time.
 *
 * @param key its name
 * @param parent its parent's key, or null
 * @param kind active, view or committed
 * @param created when it was made (for a committed snapshot: when it was committed)
 * @param updated when its labels last changed; {@code created} until then
 * @param labels free-form labels
 * @param treeRoot the root node of its file system tree
 * @param extension the driver's own metadata (ids, generations, properties), opaque here
 */
public record Snapshot(
    String key,
    String parent,
    Kind kind,
    Instant created,
    Instant updated,
    Map<String, String> labels,
    Digest treeRoot,
    byte[] extension) {
  public Snapshot {
    labels = Map.copyOf(labels);
  }

  /** The chunk-store root that holds this snapshot. */
  public static String rootName(String key) {
    return "snap/" + key;
  }

  public SnapshotInfo info() {
    return new SnapshotInfo(key, parent, kind, created, updated, labels);
  }

  public Snapshot withTree(Digest root) {
    return new Snapshot(key, parent, kind, created, updated, labels, root, extension);
  }

  public Snapshot withExtension(byte[] ext) {
    return new Snapshot(key, parent, kind, created, updated, labels, treeRoot, ext);
  }

  public Snapshot withParent(String p) {
    return new Snapshot(key, p, kind, created, updated, labels, treeRoot, extension);
  }

  /** This record with other labels, changed at {@code when}. */
  public Snapshot withLabels(Map<String, String> l, Instant when) {
    return new Snapshot(key, parent, kind, created, when, l, treeRoot, extension);
  }

  byte[] encode() {
    try {
      ByteArrayOutputStream buf = new ByteArrayOutputStream();
      DataOutputStream out = new DataOutputStream(buf);
      out.writeByte(2);
      writeStr(out, key);
      writeStr(out, parent == null ? "" : parent);
      out.writeByte(kind.ordinal());
      writeTime(out, created);
      writeTime(out, updated);
      out.writeShort(labels.size());
      for (Map.Entry<String, String> e : new TreeMap<>(labels).entrySet()) {
        writeStr(out, e.getKey());
        writeStr(out, e.getValue());
      }
      out.write(treeRoot.bytes());
      out.writeInt(extension.length);
      out.write(extension);
      return buf.toByteArray();
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  static Snapshot decode(byte[] payload, String where) {
    try {
      ByteBuffer b = ByteBuffer.wrap(payload);
      int version = b.get();
      if (version != 1 && version != 2) {
        throw new CorruptDataException(
            where + ": unknown snapshot record version " + version, where);
      }
      String key = readStr(b);
      String parent = readStr(b);
      Kind kind = Kind.values()[b.get()];
      Instant created;
      Instant updated;
      if (version == 1) {
        created = Instant.ofEpochMilli(b.getLong());
        updated = created;
      } else {
        created = readTime(b);
        updated = readTime(b);
      }
      int n = b.getShort() & 0xFFFF;
      Map<String, String> labels = new TreeMap<>();
      for (int i = 0; i < n; i++) {
        labels.put(readStr(b), readStr(b));
      }
      byte[] root = new byte[Digest.LENGTH];
      b.get(root);
      byte[] ext = new byte[b.getInt()];
      b.get(ext);
      return new Snapshot(
          key,
          parent.isEmpty() ? null : parent,
          kind,
          created,
          updated,
          labels,
          Digest.of(root),
          ext);
    } catch (RuntimeException e) {
      if (e instanceof CorruptDataException c) {
        throw c;
      }
      throw new CorruptDataException(where + ": damaged snapshot record", where, e);
    }
  }

  private static void writeStr(DataOutputStream out, String s) throws IOException {
    byte[] b = s.getBytes(StandardCharsets.UTF_8);
    out.writeShort(b.length);
    out.write(b);
  }

  private static void writeTime(DataOutputStream out, Instant t) throws IOException {
    out.writeLong(t.getEpochSecond());
    out.writeInt(t.getNano());
  }

  private static Instant readTime(ByteBuffer b) {
    long seconds = b.getLong();
    return Instant.ofEpochSecond(seconds, b.getInt());
  }

  private static String readStr(ByteBuffer b) {
    byte[] s = new byte[b.getShort() & 0xFFFF];
    b.get(s);
    return new String(s, StandardCharsets.UTF_8);
  }
}
