package io.strata.store.image.layer;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream;
import org.apache.commons.compress.compressors.zstandard.ZstdCompressorInputStream;
import org.apache.commons.io.input.ReadAheadInputStream;

/** The compressions a layer blob may have, told apart by their magic bytes, not by media types. */
public enum LayerCompression {
  NONE,
  GZIP,
  ZSTD;

  /** Uncompressed bytes the decompressing thread may hold ahead of the reader. */
  private static final int READ_AHEAD = 1 << 20;

  /**
   * Threads that decompress layers ahead of their readers. Shared and daemon, so a stream abandoned
   * half-way (a refused entry) leaves at most one idle read behind, never a thread of its own.
   */
  private static final ExecutorService DECOMPRESSORS =
      Executors.newCachedThreadPool(
          r -> {
            Thread t = new Thread(r, "strata-layer-decompress");
            t.setDaemon(true);
            return t;
          });

  /**
   * Detects the compression of {@code in} and returns the uncompressed stream. A compressed layer
   * is decompressed on a thread of its own, a buffer ahead of the reader: gunzip is a fifth of an
   * import's CPU, and this way it overlaps the tar parsing and chunking instead of adding to them.
   */
  static InputStream decompress(InputStream in) throws IOException {
    return decompress(in, null);
  }

  /**
   * {@link #decompress(InputStream)}, updating {@code uncompressed} (if not null) with every
   * uncompressed byte, on the decompressing thread where there is one: the diff_id's SHA-256 then
   * leaves the tar parser's thread too, which is the one that limits an import.
   */
  static InputStream decompress(InputStream in, MessageDigest uncompressed) throws IOException {
    BufferedInputStream b = new BufferedInputStream(in, 64 << 10);
    return switch (detect(b)) {
      case GZIP ->
          readAhead(
              hashed(
                  GzipCompressorInputStream.builder()
                      .setInputStream(b)
                      .setDecompressConcatenated(true)
                      .get(),
                  uncompressed));
      case ZSTD -> readAhead(hashed(new ZstdCompressorInputStream(b), uncompressed));
      case NONE -> hashed(b, uncompressed);
    };
  }

  private static InputStream hashed(InputStream in, MessageDigest sha) {
    return sha == null ? in : new DigestInputStream(in, sha);
  }

  private static InputStream readAhead(InputStream decompressed) throws IOException {
    return ReadAheadInputStream.builder()
        .setInputStream(decompressed)
        .setBufferSize(READ_AHEAD)
        .setExecutorService(DECOMPRESSORS)
        .get();
  }

  /** Peeks at the first bytes of {@code in} (mark supported) and resets it. */
  public static LayerCompression detect(InputStream in) throws IOException {
    in.mark(4);
    byte[] m = in.readNBytes(4);
    in.reset();
    if (m.length >= 2 && (m[0] & 0xFF) == 0x1F && (m[1] & 0xFF) == 0x8B) {
      return GZIP;
    }
    if (m.length == 4
        && (m[0] & 0xFF) == 0x28
        && (m[1] & 0xFF) == 0xB5
        && (m[2] & 0xFF) == 0x2F
        && (m[3] & 0xFF) == 0xFD) {
      return ZSTD;
    }
    return NONE;
  }
}
