package io.strata.store.gzip;

import io.strata.store.deflate.DeflateCheckpoint;
import io.strata.store.deflate.GoDeflater;
import io.strata.store.deflate.GoGzipOutputStream;
import io.strata.store.deflate.GzipMemberOutputStream;
import io.strata.store.deflate.klauspost.KlauspostDeflater;
import io.strata.store.deflate.klauspost.KlauspostGzipOutputStream;
import io.strata.store.deflate.klauspost.PgzipOutputStream;
import io.strata.store.error.CorruptDataException;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * What regenerates a gzip blob from its uncompressed contents: the compressor that wrote it, the
 * level, the header bytes exactly as they arrived (modification time, OS byte, name, extra field
 * included), the blob's length, and the deflate stream's checkpoints (levels 4..9: where its
 * segments can be compressed side by side, {@link ParallelRegeneration}; none for recipes made
 * before them or at other levels).
 *
 * <pre>
 * encoded     := u8 compressor  i8 level  u16 headerLength  header  u64 size  [checkpoints]
 * checkpoints := u32 count  (u64 blockEnd  u8 index-blockEnd  u32 index-windowBase
 *                            u8 byteAvailable  u16 length  u16 offset  u64 bitPosition)*
 * </pre>
 *
 * The compressor byte has bit 0x80 set when checkpoints follow (a release before them refuses such
 * a recipe as an unknown compressor rather than misreading it). Compressor 1 is Go's compress/gzip,
 * 2 klauspost/compress 1.15's gzip, 3 klauspost/pgzip 1.2.5 with its default 1 MiB blocks, 4 the
 * same with 256 KiB blocks (umoci's); pgzip's blocks are independent, so its recipes need no
 * checkpoints. A release that does not know an id refuses the recipe.
 */
public record GzipRecipe(
    Compressor compressor,
    int level,
    byte[] header,
    long size,
    List<DeflateCheckpoint> checkpoints) {
  private static final int WITH_CHECKPOINTS = 0x80;
  private static final int CHECKPOINT_BYTES = 8 + 1 + 4 + 1 + 2 + 2 + 8;

  /**
   * The compressors Strata can replay, each the bytes of one library version: a later version that
   * writes other bytes is another compressor with an id of its own. The id is stored in recipes:
   * never reuse one.
   */
  public enum Compressor {
    /** Go's compress/gzip (compress/flate): docker, moby, containerd, buildkit's default. */
    GO(1, "go-gzip"),
    /** klauspost/compress 1.15's gzip (one deflate stream, its own flate). */
    KLAUSPOST(2, "klauspost-1.15"),
    /**
     * klauspost/pgzip 1.2.5 on klauspost/compress 1.15, default concurrency (1 MiB blocks, each
     * primed with the 16 KiB before it and sync-flushed): containers/image (skopeo, podman,
     * buildah).
     */
    PGZIP(3, "pgzip-1.2.5/klauspost-1.15", PgzipOutputStream.DEFAULT_BLOCK_SIZE),
    /**
     * klauspost/pgzip 1.2.5 on klauspost/compress 1.15 with 256 KiB blocks: umoci 0.4.7 ({@code
     * SetConcurrency(256<<10, …)}). The block size changes where every block ends, so every byte
     * after the first block: a compressor of its own.
     */
    PGZIP_256K(4, "pgzip-1.2.5-256k/klauspost-1.15", 256 << 10);

    private final int id;
    private final String label;
    private final int pgzipBlockSize;

    Compressor(int id, String label) {
      this(id, label, 0);
    }

    Compressor(int id, String label, int pgzipBlockSize) {
      this.id = id;
      this.label = label;
      this.pgzipBlockSize = pgzipBlockSize;
    }

    public String label() {
      return label;
    }

    /** The input bytes of each of its blocks when this is pgzip; 0 for a single deflate stream. */
    public int pgzipBlockSize() {
      return pgzipBlockSize;
    }

    /** Whether Strata reproduces this compressor's level {@code level}. */
    public boolean supports(int level) {
      return switch (this) {
        case GO -> level >= GoDeflater.HUFFMAN_ONLY && level <= GoDeflater.BEST_COMPRESSION;
        case KLAUSPOST, PGZIP, PGZIP_256K -> KlauspostDeflater.supported(level);
      };
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
    checkpoints = List.copyOf(checkpoints);
  }

  /** A recipe without checkpoints. */
  public GzipRecipe(Compressor compressor, int level, byte[] header, long size) {
    this(compressor, level, header, size, List.of());
  }

  @Override
  public byte[] header() {
    return header.clone();
  }

  /** This recipe for a blob of {@code size} bytes. */
  public GzipRecipe withSize(long size) {
    return new GzipRecipe(compressor, level, header, size, checkpoints);
  }

  /** This recipe as a replay found it: the blob's length and its deflate stream's checkpoints. */
  public GzipRecipe replayed(GzipRecipes.Replayed r) {
    return new GzipRecipe(compressor, level, header, r.size(), r.checkpoints());
  }

  /** The compressor that regenerates the blob from its contents, writing it to {@code out}. */
  public GzipMemberOutputStream writer(OutputStream out) throws IOException {
    return switch (compressor) {
      case GO -> new GoGzipOutputStream(out, level, header);
      case KLAUSPOST -> new KlauspostGzipOutputStream(out, level, header);
      case PGZIP, PGZIP_256K ->
          new PgzipOutputStream(out, level, header, compressor.pgzipBlockSize());
    };
  }

  /** {@code go-gzip:6}: how logs and statistics name it. */
  public String label() {
    return compressor.label() + ":" + level;
  }

  public int encodedLength() {
    int n = 1 + 1 + 2 + header.length + 8;
    return checkpoints.isEmpty() ? n : n + 4 + checkpoints.size() * CHECKPOINT_BYTES;
  }

  public void encode(ByteBuffer b) {
    int id = compressor.id | (checkpoints.isEmpty() ? 0 : WITH_CHECKPOINTS);
    b.put((byte) id).put((byte) level).putShort((short) header.length).put(header);
    b.putLong(size);
    if (!checkpoints.isEmpty()) {
      b.putInt(checkpoints.size());
      for (DeflateCheckpoint c : checkpoints) {
        b.putLong(c.blockEnd())
            .put((byte) (c.index() - c.blockEnd()))
            .putInt((int) (c.index() - c.windowBase()))
            .put((byte) (c.byteAvailable() ? 1 : 0))
            .putShort((short) c.length())
            .putShort((short) c.offset())
            .putLong(c.bitPosition());
      }
    }
  }

  public static GzipRecipe decode(ByteBuffer b, String where) {
    int id = b.get() & 0xff;
    Compressor c = Compressor.ofId(id & ~WITH_CHECKPOINTS, where);
    int level = b.get();
    if (!c.supports(level)) {
      throw new CorruptDataException(where + ": gzip recipe " + c.label() + ":" + level, where);
    }
    if (c != Compressor.GO && (id & WITH_CHECKPOINTS) != 0) {
      throw new CorruptDataException(
          where + ": gzip recipe " + c.label() + " with deflate checkpoints", where);
    }
    byte[] header = new byte[b.getShort() & 0xffff];
    b.get(header);
    long size = b.getLong();
    List<DeflateCheckpoint> checkpoints = new ArrayList<>();
    if ((id & WITH_CHECKPOINTS) != 0) {
      int n = b.getInt();
      if (n < 0 || (long) n * CHECKPOINT_BYTES > b.remaining()) {
        throw new CorruptDataException(where + ": gzip recipe with " + n + " checkpoints", where);
      }
      long before = -1;
      for (int i = 0; i < n; i++) {
        long blockEnd = b.getLong();
        long index = blockEnd + (b.get() & 0xff);
        long windowBase = index - (b.getInt() & 0xffffffffL);
        boolean byteAvailable = b.get() != 0;
        int length = b.getShort() & 0xffff;
        int offset = b.getShort() & 0xffff;
        long bit = b.getLong();
        try {
          DeflateCheckpoint cp =
              new DeflateCheckpoint(
                  blockEnd, index, windowBase, byteAvailable, length, offset, bit);
          if (blockEnd <= before) {
            throw new IllegalArgumentException("checkpoints out of order");
          }
          before = blockEnd;
          checkpoints.add(cp);
        } catch (IllegalArgumentException e) {
          throw new CorruptDataException(where + ": gzip recipe: " + e.getMessage(), where);
        }
      }
    }
    return new GzipRecipe(c, level, header, size, checkpoints);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof GzipRecipe r
        && r.compressor == compressor
        && r.level == level
        && r.size == size
        && java.util.Arrays.equals(r.header, header)
        && r.checkpoints.equals(checkpoints);
  }

  @Override
  public int hashCode() {
    return java.util.Objects.hash(
        compressor, level, size, java.util.Arrays.hashCode(header), checkpoints);
  }

  @Override
  public String toString() {
    return label()
        + " ("
        + size
        + " bytes, "
        + header.length
        + "-byte header, "
        + checkpoints.size()
        + " checkpoints)";
  }
}
