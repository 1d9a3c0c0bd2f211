package io.strata.driver.zfs;

import io.strata.store.error.CorruptDataException;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.TreeMap;

/** The small binary pieces the driver's records share: length-prefixed strings and maps. */
final class Encoding {
  private Encoding() {}

  /** Something that writes itself to a stream. */
  @FunctionalInterface
  interface Writer {
    void write(DataOutputStream out) throws IOException;
  }

  /** Something that reads from a buffer; a short or malformed buffer throws at once. */
  @FunctionalInterface
  interface Reader<T> {
    T read(ByteBuffer in);
  }

  static byte[] encode(Writer w) {
    try {
      ByteArrayOutputStream buf = new ByteArrayOutputStream();
      DataOutputStream out = new DataOutputStream(buf);
      w.write(out);
      out.flush();
      return buf.toByteArray();
    } catch (IOException e) {
      throw new IllegalStateException("writing to memory failed", e);
    }
  }

  /** Decodes {@code bytes} whole, naming {@code what} in the error if they are damaged. */
  static <T> T decode(byte[] bytes, String what, Reader<T> r) {
    try {
      ByteBuffer in = ByteBuffer.wrap(bytes);
      T value = r.read(in);
      if (in.hasRemaining()) {
        throw new CorruptDataException(
            what + ": " + in.remaining() + " bytes past the end of the record", what);
      }
      return value;
    } catch (CorruptDataException e) {
      throw e;
    } catch (RuntimeException e) {
      throw new CorruptDataException(what + ": damaged record", what, e);
    }
  }

  static void version(ByteBuffer in, int expected, String what) {
    int v = in.get() & 0xFF;
    if (v != expected) {
      throw new CorruptDataException(what + ": unknown record version " + v, what);
    }
  }

  static void writeStr(DataOutputStream out, String s) throws IOException {
    byte[] b = s.getBytes(StandardCharsets.UTF_8);
    out.writeShort(b.length);
    out.write(b);
  }

  static String readStr(ByteBuffer in) {
    byte[] b = new byte[in.getShort() & 0xFFFF];
    in.get(b);
    return new String(b, StandardCharsets.UTF_8);
  }

  static void writeMap(DataOutputStream out, Map<String, String> map) throws IOException {
    out.writeShort(map.size());
    for (Map.Entry<String, String> e : new TreeMap<>(map).entrySet()) {
      writeStr(out, e.getKey());
      writeStr(out, e.getValue());
    }
  }

  static Map<String, String> readMap(ByteBuffer in) {
    int n = in.getShort() & 0xFFFF;
    Map<String, String> map = new TreeMap<>();
    for (int i = 0; i < n; i++) {
      map.put(readStr(in), readStr(in));
    }
    return map;
  }

  static void writeBytes(DataOutputStream out, byte[] b) throws IOException {
    out.writeInt(b.length);
    out.write(b);
  }

  static byte[] readBytes(ByteBuffer in) {
    byte[] b = new byte[in.getInt()];
    in.get(b);
    return b;
  }
}
