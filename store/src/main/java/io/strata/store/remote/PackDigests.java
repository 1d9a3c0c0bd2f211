package io.strata.store.remote;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;

/**
 * How a pack file of this node compares with its copy in the bucket: by the MD5 that S3 gives as
 * the entity tag of an object put in one request, or, where the tag is something else, byte for
 * byte through ranged reads. Both stream the file in pieces of {@link #PIECE} bytes.
 */
final class PackDigests {
  static final int PIECE = 1 << 20;

  private PackDigests() {}

  /** The MD5 of file {@code p}, hex. */
  static String md5Hex(Path p) throws IOException {
    MessageDigest md5;
    try {
      md5 = MessageDigest.getInstance("MD5"); // what S3 tags objects with, not for security
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
    byte[] buf = new byte[PIECE];
    try (InputStream in = Files.newInputStream(p)) {
      for (int n; (n = in.read(buf)) > 0; ) {
        md5.update(buf, 0, n);
      }
    }
    return HexFormat.of().formatHex(md5.digest());
  }

  /**
   * Null if object {@code key} holds exactly the bytes of file {@code p}; else where they part
   * ("differs from byte N", or the lengths), for a message.
   */
  static String firstDifference(Path p, ObjectStore objects, String key) throws IOException {
    long size = Files.size(p);
    long[] listed = {-1};
    objects.list(
        key,
        (k, len) -> {
          if (k.equals(key)) {
            listed[0] = len;
          }
        });
    if (listed[0] != size) {
      return "holds " + listed[0] + " bytes, this node's copy " + size;
    }
    byte[] mine = new byte[PIECE];
    byte[] theirs = new byte[PIECE];
    try (InputStream in = Files.newInputStream(p)) {
      for (long at = 0; at < size; at += PIECE) {
        int n = (int) Math.min(PIECE, size - at);
        if (in.readNBytes(mine, 0, n) != n) {
          throw new IOException(p + ": shorter than its " + size + " bytes while read");
        }
        objects.read(key, at, theirs, 0, n);
        int i = Arrays.mismatch(mine, 0, n, theirs, 0, n);
        if (i >= 0) {
          return "differs from this node's copy from byte " + (at + i);
        }
      }
    }
    return null;
  }
}
