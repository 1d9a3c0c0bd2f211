package io.strata.store.gzip;

import io.strata.store.error.CorruptDataException;
import java.nio.ByteBuffer;

/**
 * What regenerates a gzip blob from its uncompressed contents: the compressor that wrote it, the
 * level, the header bytes exactly as they arrived (modification time, OS byte, name, extra field
 * included), and the blob's length.
 *
 * <pre>
 * encoded := u8 compressor  i8 level  u16 headerLength  header  u64 size
 * </pre>
 */
public record GzipRecipe(Compressor compressor, int level, byte[] header, long size) {

  /** The compressors Strata can replay. The id is stored in recipes: never reuse one. */
  public enum Compressor {
    /** Go's compress/gzip (compress/flate): docker, moby, containerd, buildkit's default. */
    GO(1, "go-gzip");

    private final int id;
    private final String label;

    Compressor(int id, String label) {
      this.id = id;
      this.label = label;
    }

    public String label() {
      return label;
    }

    static Compressor ofId(int id, String where) {
      for (Compressor c : values()) {
        if (c.id == id) {
          return c;
        }
      }
      throw new CorruptDataException(where + ": unknown gzip compressor id " + id, where);
    }
  }

  public GzipRecipe {
    header = header.clone();
  }

  @Override
  public byte[] header() {
    return header.clone();
  }

  /** This recipe for a blob of {@code size} bytes. */
  public GzipRecipe withSize(long size) {
    return new GzipRecipe(compressor, level, header, size);
  }

  /** {@code go-gzip:6}: how logs and statistics name it. */
  public String label() {
    return compressor.label() + ":" + level;
  }

  public int encodedLength() {
    return 1 + 1 + 2 + header.length + 8;
  }

  public void encode(ByteBuffer b) {
    b.put((byte) compressor.id).put((byte) level).putShort((short) header.length).put(header);
    b.putLong(size);
  }

  public static GzipRecipe decode(ByteBuffer b, String where) {
    Compressor c = Compressor.ofId(b.get() & 0xff, where);
    int level = b.get();
    byte[] header = new byte[b.getShort() & 0xffff];
    b.get(header);
    return new GzipRecipe(c, level, header, b.getLong());
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof GzipRecipe r
        && r.compressor == compressor
        && r.level == level
        && r.size == size
        && java.util.Arrays.equals(r.header, header);
  }

  @Override
  public int hashCode() {
    return java.util.Objects.hash(compressor, level, size, java.util.Arrays.hashCode(header));
  }

  @Override
  public String toString() {
    return label() + " (" + size + " bytes, " + header.length + "-byte header)";
  }
}
