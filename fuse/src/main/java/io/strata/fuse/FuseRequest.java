package io.strata.fuse;

import io.strata.files.names.Utf8Names;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * One request read from {@code /dev/fuse}: the fixed header and a cursor over the body. The buffer
 * is the reading thread's own and is reused for its next request, so nothing may keep a reference
 * to it past the reply.
 */
final class FuseRequest {
  final ByteBuffer buf;
  int length;
  int opcode;
  long unique;
  long nodeId;
  int uid;
  int gid;
  int pid;
  private int at;

  FuseRequest(ByteBuffer buf) {
    this.buf = buf.order(ByteOrder.nativeOrder());
  }

  /**
   * Decodes the header of the {@code n} bytes read into the buffer; false when they are too few to
   * be a request (a short read the caller skips).
   */
  boolean decode(int n) {
    if (n < Wire.IN_HEADER) {
      return false;
    }
    length = buf.getInt(0);
    opcode = buf.getInt(4);
    unique = buf.getLong(8);
    nodeId = buf.getLong(16);
    uid = buf.getInt(24);
    gid = buf.getInt(28);
    pid = buf.getInt(32);
    at = Wire.IN_HEADER;
    if (length > n) {
      length = n;
    }
    return true;
  }

  /** The next 32-bit field of the body. */
  int u32() {
    int v = buf.getInt(at);
    at += 4;
    return v;
  }

  /** The next 64-bit field of the body. */
  long u64() {
    long v = buf.getLong(at);
    at += 8;
    return v;
  }

  /** Skips {@code n} bytes of the body (padding, fields not used). */
  void skip(int n) {
    at += n;
  }

  /**
   * The next NUL-terminated string of the body (a name, a symlink's target, an attribute's name);
   * refused with {@code EILSEQ} if it is not valid UTF-8, as Strata keeps names ({@link
   * Utf8Names}): decoded with U+FFFD for the bad bytes, two names would be one file.
   */
  String string() {
    int end = at;
    while (end < length && buf.get(end) != 0) {
      end++;
    }
    byte[] b = new byte[end - at];
    buf.get(at, b);
    at = Math.min(end + 1, length);
    if (!Utf8Names.isUtf8(b)) {
      throw new Refusal(Errno.EILSEQ);
    }
    return new String(b, StandardCharsets.UTF_8);
  }

  /** The next {@code n} bytes of the body, copied. */
  byte[] bytes(int n) {
    int len = Math.max(0, Math.min(n, length - at));
    byte[] b = new byte[len];
    buf.get(at, b);
    at += len;
    return b;
  }

  /** Copies the next {@code n} bytes into {@code dst} (a write's data); how many there were. */
  int bytes(byte[] dst, int n) {
    int len = Math.max(0, Math.min(n, length - at));
    buf.get(at, dst, 0, len);
    at += len;
    return len;
  }
}
