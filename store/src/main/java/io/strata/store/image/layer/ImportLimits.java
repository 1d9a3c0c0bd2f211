package io.strata.store.image.layer;

import io.strata.store.error.InvalidArgumentException;
import io.strata.store.gzip.GzipExpansion;

/**
 * Bounds on what one layer of an import may expand to, so that a small hostile blob (a gzip bomb, a
 * tar of millions of empty entries) is refused instead of filling the store. Set with the system
 * properties {@code strata.import.maxLayerBytes}, {@code strata.import.maxEntries} and {@code
 * strata.import.maxRatio} (e.g. {@code JAVA_OPTS=-Dstrata.import.maxLayerBytes=...} for stratad).
 *
 * @param maxLayerBytes the most bytes a layer's uncompressed tar may have (default 64 GiB)
 * @param maxEntries the most tar entries a layer may have (default 4,000,000)
 * @param maxRatio the most uncompressed bytes per compressed byte, checked once a layer's tar is
 *     past {@code ratioFloor} bytes (default 200: real layers compress 2 to 20 times, zeros 1,000)
 * @param ratioFloor uncompressed bytes under which the ratio is not checked (default 256 MiB)
 */
public record ImportLimits(long maxLayerBytes, long maxEntries, long maxRatio, long ratioFloor) {
  public ImportLimits {
    if (maxLayerBytes < 1 || maxEntries < 1 || maxRatio < 1 || ratioFloor < 0) {
      throw new IllegalArgumentException(
          "import limits "
              + maxLayerBytes
              + "/"
              + maxEntries
              + "/"
              + maxRatio
              + "/"
              + ratioFloor
              + " invalid");
    }
  }

  /** The defaults, each replaced by its system property when set. */
  public static ImportLimits fromSystemProperties() {
    GzipExpansion expansion = GzipExpansion.fromSystemProperties();
    return new ImportLimits(
        Long.getLong("strata.import.maxLayerBytes", 64L << 30),
        Long.getLong("strata.import.maxEntries", 4_000_000L),
        expansion.maxRatio(),
        expansion.floor());
  }

  /**
   * Refuses {@code what} once its tar has {@code uncompressed} bytes from {@code compressed}; also
   * the bound of a compressed image archive's whole tar (its spool, {@code CompressedTar}).
   */
  public void checkSize(String what, long uncompressed, long compressed) {
    if (uncompressed > maxLayerBytes) {
      throw new InvalidArgumentException(
          what
              + ": expands to more than "
              + maxLayerBytes
              + " bytes (strata.import.maxLayerBytes)");
    }
    if (new GzipExpansion(maxRatio, ratioFloor).passed(uncompressed, compressed)) {
      throw new InvalidArgumentException(
          what
              + ": "
              + compressed
              + " compressed bytes expand to more than "
              + uncompressed
              + " (over "
              + maxRatio
              + " times, strata.import.maxRatio)");
    }
  }

  /** Refuses {@code what} at its entry number {@code entries}. */
  void checkEntries(String what, long entries) {
    if (entries > maxEntries) {
      throw new InvalidArgumentException(
          what + ": has more than " + maxEntries + " entries (strata.import.maxEntries)");
    }
  }
}
