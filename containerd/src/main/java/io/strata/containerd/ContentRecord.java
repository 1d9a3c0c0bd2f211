package io.strata.containerd;

import io.strata.store.digest.Digest;
import io.strata.store.engine.Recipe;
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
 * One blob of a namespace's content store, kept as a chunk-store root {@code
 * ctrd/content/<namespace>/<hex>} that holds the blob's chunks (so they are deduplicated against
 * everything else the store holds, and live as long as the record).
 *
 * <pre>
 * payload := u8 version(=1) time created time updated
 *            u16 labelCount (str name str value){labelCount} recipe
 * time    := u64 epochSeconds u32 nanos
 * str     := u16 length utf8
 * recipe  := see {@link Recipe#encode}
 * </pre>
 *
 * @param digest the blob's SHA-256
 * @param created when it was committed
 * @param updated when its labels last changed
 * @param labels its labels (containerd's gc reads {@code containerd.io/gc.ref.*} among them)
 * @param recipe its chunks
 */
record ContentRecord(
    Digest digest, Instant created, Instant updated, Map<String, String> labels, Recipe recipe) {
  static final String PREFIX = "ctrd/content/";
  private static final int VERSION = 1;

  ContentRecord {
    labels = Map.copyOf(labels);
  }

  /** The root names of {@code namespace}'s blobs start with this. */
  static String prefix(String namespace) {
    return PREFIX + namespace + "/";
  }

  static String rootName(String namespace, Digest digest) {
    return prefix(namespace) + digest.hex();
  }

  ContentRecord withLabels(Map<String, String> l, Instant when) {
    return new ContentRecord(digest, created, when, l, recipe);
  }

  byte[] encode() {
    try {
      ByteArrayOutputStream buf = new ByteArrayOutputStream();
      DataOutputStream out = new DataOutputStream(buf);
      out.writeByte(VERSION);
      writeTime(out, created);
      writeTime(out, updated);
      out.writeShort(labels.size());
      for (Map.Entry<String, String> e : new TreeMap<>(labels).entrySet()) {
        writeStr(out, e.getKey());
        writeStr(out, e.getValue());
      }
      byte[] head = buf.toByteArray();
      ByteBuffer b = recipe.encode(head.length);
      b.put(0, head);
      return b.array();
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  static ContentRecord decode(Digest digest, byte[] payload, String where) {
    try {
      ByteBuffer b = ByteBuffer.wrap(payload);
      int version = b.get();
      if (version != VERSION) {
        throw new CorruptDataException(
            where + ": unknown content record version " + version, where);
      }
      Instant created = readTime(b);
      Instant updated = readTime(b);
      int n = b.getShort() & 0xFFFF;
      Map<String, String> labels = new TreeMap<>();
      for (int i = 0; i < n; i++) {
        labels.put(readStr(b), readStr(b));
      }
      return new ContentRecord(digest, created, updated, labels, Recipe.decode(b, where));
    } catch (RuntimeException e) {
      if (e instanceof CorruptDataException c) {
        throw c;
      }
      throw new CorruptDataException(where + ": damaged content record", where, e);
    }
  }

  private static void writeTime(DataOutputStream out, Instant t) throws IOException {
    out.writeLong(t.getEpochSecond());
    out.writeInt(t.getNano());
  }

  private static Instant readTime(ByteBuffer b) {
    long seconds = b.getLong();
    return Instant.ofEpochSecond(seconds, b.getInt());
  }

  private static void writeStr(DataOutputStream out, String s) throws IOException {
    byte[] b = s.getBytes(StandardCharsets.UTF_8);
    out.writeShort(b.length);
    out.write(b);
  }

  private static String readStr(ByteBuffer b) {
    byte[] s = new byte[b.getShort() & 0xFFFF];
    b.get(s);
    return new String(s, StandardCharsets.UTF_8);
  }
}
