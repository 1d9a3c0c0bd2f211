package io.strata.store.digest;

import io.strata.store.error.InvalidArgumentException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;

/**
 * A SHA-256 digest: the address of a chunk (over its uncompressed bytes) and the name of a blob
 * (over its whole content). Written {@code sha256:<64 lowercase hex>}, as in OCI.
 */
public final class Digest implements Comparable<Digest> {
  /** Bytes in a SHA-256 digest. */
  public static final int LENGTH = 32;

  private static final String PREFIX = "sha256:";
  private static final HexFormat HEX = HexFormat.of();

  private final byte[] bytes;

  private Digest(byte[] bytes) {
    this.bytes = bytes;
  }

  /** A digest from its 32 raw bytes (copied). */
  public static Digest of(byte[] bytes) {
    if (bytes.length != LENGTH) {
      throw new InvalidArgumentException(
          "digest: expected " + LENGTH + " bytes, got " + bytes.length);
    }
    return new Digest(bytes.clone());
  }

  /** A digest from 32 bytes at {@code offset} of {@code buf}. */
  public static Digest of(byte[] buf, int offset) {
    return new Digest(Arrays.copyOfRange(buf, offset, offset + LENGTH));
  }

  /** Parses {@code sha256:<64 hex>}; the prefix may be omitted. */
  public static Digest parse(String text) {
    String hex = text.startsWith(PREFIX) ? text.substring(PREFIX.length()) : text;
    if (hex.length() != 2 * LENGTH) {
      throw new InvalidArgumentException("digest " + text + ": expected sha256: and 64 hex digits");
    }
    try {
      return new Digest(HEX.parseHex(hex.toLowerCase(java.util.Locale.ROOT)));
    } catch (IllegalArgumentException e) {
      throw new InvalidArgumentException(
          "digest " + text + ": expected sha256: and 64 hex digits", e);
    }
  }

  /** The SHA-256 of {@code len} bytes at {@code off} of {@code buf}. */
  public static Digest sha256(byte[] buf, int off, int len) {
    return sha256(newSha256(), buf, off, len);
  }

  /** {@link #sha256(byte[], int, int)} with a reused SHA-256 instance {@code md}, left reset. */
  public static Digest sha256(MessageDigest md, byte[] buf, int off, int len) {
    md.reset();
    md.update(buf, off, len);
    return new Digest(md.digest());
  }

  /** A fresh SHA-256 instance; the JDK's is intrinsified (SHA-NI) on current x86 and ARM. */
  public static MessageDigest newSha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JDK has no SHA-256", e);
    }
  }

  /** A copy of the 32 raw bytes. */
  public byte[] bytes() {
    return bytes.clone();
  }

  /** Copies the raw bytes into {@code dst} at {@code offset}. */
  public void copyTo(byte[] dst, int offset) {
    System.arraycopy(bytes, 0, dst, offset, LENGTH);
  }

  /** The i-th 64-bit word, big-endian: how the chunk index keeps digests. */
  public long word(int i) {
    long w = 0;
    for (int b = 0; b < 8; b++) {
      w = (w << 8) | (bytes[i * 8 + b] & 0xFF);
    }
    return w;
  }

  /** Rebuilds a digest from the four words of {@link #word}. */
  public static Digest ofWords(long w0, long w1, long w2, long w3) {
    byte[] b = new byte[LENGTH];
    long[] words = {w0, w1, w2, w3};
    for (int i = 0; i < 4; i++) {
      for (int j = 7; j >= 0; j--) {
        b[i * 8 + j] = (byte) words[i];
        words[i] >>>= 8;
      }
    }
    return new Digest(b);
  }

  /** The 64 lowercase hex digits, without prefix. */
  public String hex() {
    return HEX.formatHex(bytes);
  }

  /** A short form for log lines: the first 12 hex digits. */
  public String shortHex() {
    return hex().substring(0, 12);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Digest d && Arrays.equals(bytes, d.bytes);
  }

  @Override
  public int hashCode() {
    // The bytes are uniformly distributed already.
    return (bytes[0] & 0xFF) << 24
        | (bytes[1] & 0xFF) << 16
        | (bytes[2] & 0xFF) << 8
        | bytes[3] & 0xFF;
  }

  @Override
  public int compareTo(Digest o) {
    return Arrays.compareUnsigned(bytes, o.bytes);
  }

  @Override
  public String toString() {
    return PREFIX + hex();
  }
}
