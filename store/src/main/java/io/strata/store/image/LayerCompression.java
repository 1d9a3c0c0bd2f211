package io.strata.store.image;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream;
import org.apache.commons.compress.compressors.zstandard.ZstdCompressorInputStream;

/** The compressions a layer blob may have, told apart by their magic bytes, not by media types. */
enum LayerCompression {
  NONE,
  GZIP,
  ZSTD;

  /** Detects the compression of {@code in} and returns the uncompressed stream. */
  static InputStream decompress(InputStream in) throws IOException {
    BufferedInputStream b = new BufferedInputStream(in, 64 << 10);
    return switch (detect(b)) {
      case GZIP ->
          GzipCompressorInputStream.builder()
              .setInputStream(b)
              .setDecompressConcatenated(true)
              .get();
      case ZSTD -> new ZstdCompressorInputStream(b);
      case NONE -> b;
    };
  }

  /** Peeks at the first bytes of {@code in} (mark supported) and resets it. */
  static LayerCompression detect(InputStream in) throws IOException {
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
