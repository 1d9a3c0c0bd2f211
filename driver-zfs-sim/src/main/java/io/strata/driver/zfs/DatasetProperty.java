package io.strata.driver.zfs;

import io.strata.store.compress.Codec;
import io.strata.store.compress.Compression;
import io.strata.store.error.InvalidArgumentException;
import java.util.Locale;

/**
 * The dataset properties zfs-sim models, with their defaults and the values they accept. Values are
 * kept in canonical form ({@code 128K}, {@code zstd-3}), as {@code zfs get} shows them.
 */
enum DatasetProperty {
  /** The largest record of files created from now on: a power of two from 4K to 1M. */
  RECORDSIZE("recordsize", "128K"),
  /** The codec of new records: {@code on} (the store's codec), off, lz4, zstd, zstd-1..19. */
  COMPRESSION("compression", "on"),
  /** Whether new records may share blocks with equal records already in the pool. */
  DEDUP("dedup", "off");

  static final int MIN_RECORD = 4 << 10;
  static final int MAX_RECORD = 1 << 20;

  private final String id;
  private final String defaultValue;

  DatasetProperty(String id, String defaultValue) {
    this.id = id;
    this.defaultValue = defaultValue;
  }

  /** The name {@code zfs get} uses. */
  String id() {
    return id;
  }

  String defaultValue() {
    return defaultValue;
  }

  /** The property called {@code name}. */
  static DatasetProperty named(String name) {
    for (DatasetProperty p : values()) {
      if (p.id.equals(name)) {
        return p;
      }
    }
    throw new InvalidArgumentException(
        "property " + name + ": not a zfs-sim property (recordsize, compression, dedup)");
  }

  /**
   * {@code value} in canonical form; throws {@link InvalidArgumentException} if it is not valid.
   */
  String normalize(String value) {
    String v = value.trim().toLowerCase(Locale.ROOT);
    switch (this) {
      case RECORDSIZE:
        return recordSizeText(parseRecordSize(v, value));
      case COMPRESSION:
        Compression c = compression(v, value);
        return v.startsWith("zstd-") ? "zstd-" + c.level() : v;
      case DEDUP:
        if (v.equals("on") || v.equals("off")) {
          return v;
        }
        throw new InvalidArgumentException("property dedup: " + value + " is not on or off");
      default:
        throw new IllegalStateException(name());
    }
  }

  /** A canonical recordsize in bytes. */
  static int recordSize(String canonical) {
    return parseRecordSize(canonical, canonical);
  }

  /** A canonical compression value as the codec of new chunks; null means the store's own. */
  static Compression compression(String canonical) {
    return compression(canonical, canonical);
  }

  private static Compression compression(String v, String given) {
    if (v.equals("on")) {
      return null;
    }
    if (v.equals("off")) {
      return new Compression(Codec.NONE, 0);
    }
    if (v.equals("lz4")) {
      return new Compression(Codec.LZ4, 0);
    }
    if (v.equals("zstd")) {
      return Compression.DEFAULT;
    }
    if (v.startsWith("zstd-") && v.substring(5).matches("[0-9]{1,2}")) {
      int level = Integer.parseInt(v.substring(5));
      if (level >= 1 && level <= 19) {
        return new Compression(Codec.ZSTD, level);
      }
    }
    throw new InvalidArgumentException(
        "property compression: " + given + " is not on, off, lz4, zstd or zstd-1 to zstd-19");
  }

  private static int parseRecordSize(String text, String given) {
    String v = text.toLowerCase(Locale.ROOT);
    long bytes;
    try {
      if (v.endsWith("k")) {
        bytes = Long.parseLong(v.substring(0, v.length() - 1)) << 10;
      } else if (v.endsWith("m")) {
        bytes = Long.parseLong(v.substring(0, v.length() - 1)) << 20;
      } else {
        bytes = Long.parseLong(v);
      }
    } catch (NumberFormatException e) {
      bytes = -1;
    }
    if (bytes < MIN_RECORD || bytes > MAX_RECORD || Long.bitCount(bytes) != 1) {
      throw new InvalidArgumentException(
          "property recordsize: " + given + " is not a power of two from 4K to 1M");
    }
    return (int) bytes;
  }

  private static String recordSizeText(int bytes) {
    return bytes % (1 << 20) == 0 ? (bytes >> 20) + "M" : (bytes >> 10) + "K";
  }
}
