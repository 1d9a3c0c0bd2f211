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
  DEDUP("dedup", "off"),
  /**
   * The most space the dataset and its snapshots may use ({@code none}: no limit), or, on the pool,
   * every dataset together. Not inherited, as in ZFS: a quota limits what is below it instead.
   */
  QUOTA("quota", "none"),
  /** {@code on}: the dataset's files cannot be changed (EROFS), as ZFS's {@code readonly}. */
  READONLY("readonly", "off"),
  /** {@code on}: reads change a file's access time (by {@code relatime}'s rule); off: never. */
  ATIME("atime", "on"),
  /**
   * {@code on}: with {@code atime=on}, a read changes the access time only when it is not after the
   * modification or change time, or is a day old; {@code off}: every read changes it.
   */
  RELATIME("relatime", "on");

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
        "property "
            + name
            + ": not a zfs-sim property (recordsize, compression, dedup, quota, readonly, atime,"
            + " relatime)");
  }

  /** Whether a dataset without a local value takes its parent's (ZFS: all but quota). */
  boolean inheritable() {
    return this != QUOTA;
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
      case DEDUP, READONLY, ATIME, RELATIME:
        if (v.equals("on") || v.equals("off")) {
          return v;
        }
        throw new InvalidArgumentException("property " + id + ": " + value + " is not on or off");
      case QUOTA:
        long q = v.equals("none") ? 0 : parseSize(v, value);
        return q == 0 ? "none" : Long.toString(q);
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

  /** A canonical value as {@code zfs get} shows it (a quota as {@code 10M}, not bytes). */
  String display(String canonical) {
    return this == QUOTA && !canonical.equals("none")
        ? niceBytes(Long.parseLong(canonical))
        : canonical;
  }

  /** A canonical quota in bytes; 0: none. */
  static long quotaBytes(String canonical) {
    return canonical.equals("none") ? 0 : Long.parseLong(canonical);
  }

  /**
   * A size as {@code zfs set} takes it: a number, optionally with a decimal fraction, and a suffix
   * of B, K, M, G, T, P or E (powers of 1024), optionally followed by B ({@code 10G}, {@code
   * 1.5gb}, {@code 512}).
   */
  private static long parseSize(String v, String given) {
    java.util.regex.Matcher m =
        java.util.regex.Pattern.compile("([0-9]{1,19})(\\.[0-9]{1,9})?([bkmgtpe]?)b?").matcher(v);
    if (m.matches()) {
      int shift = 10 * "bkmgtpe".indexOf(m.group(3).isEmpty() ? "b" : m.group(3));
      java.math.BigDecimal n =
          new java.math.BigDecimal(m.group(1) + (m.group(2) == null ? "" : m.group(2)));
      java.math.BigDecimal bytes = n.multiply(java.math.BigDecimal.valueOf(2).pow(shift));
      if (bytes.compareTo(java.math.BigDecimal.valueOf(Long.MAX_VALUE)) <= 0) {
        return bytes.setScale(0, java.math.RoundingMode.DOWN).longValueExact();
      }
    }
    throw new InvalidArgumentException(
        "property quota: " + given + " is not none or a size (512, 10M, 1.5G)");
  }

  /**
   * {@code bytes} as {@code zfs get} shows sizes ({@code zfs_nicebytes}): {@code 512B}, {@code
   * 128K} for an exact multiple, else the most decimals (2, 1, 0) that fit in 5 characters ({@code
   * 1.50G}, {@code 12.3M}).
   */
  static String niceBytes(long bytes) {
    String units = "BKMGTPE";
    int u = 0;
    while (u < units.length() - 1 && bytes >= 1L << (10 * (u + 1))) {
      u++;
    }
    if (u == 0) {
      return bytes + "B";
    }
    long unit = 1L << (10 * u);
    if (bytes % unit == 0) {
      return (bytes / unit) + units.substring(u, u + 1);
    }
    double n = (double) bytes / unit;
    for (int decimals = 2; decimals >= 0; decimals--) {
      String s = String.format(Locale.ROOT, "%." + decimals + "f", n) + units.charAt(u);
      if (s.length() <= 5) {
        return s;
      }
    }
    return String.format(Locale.ROOT, "%.0f", n) + units.charAt(u);
  }

  private static String recordSizeText(int bytes) {
    return bytes % (1 << 20) == 0 ? (bytes >> 20) + "M" : (bytes >> 10) + "K";
  }
}
