package io.strata.store.chunk;

import io.strata.store.error.InvalidArgumentException;

/**
 * The minimum, average and maximum chunk sizes of a store. Fixed when a store is created: changing
 * them moves every chunk boundary and so defeats deduplication against what is stored.
 *
 * @param min no chunk but the last of an object is shorter
 * @param avg the target size; a power of two, it sets the cut masks
 * @param max no chunk is longer; a chunk is cut here when no content boundary was found
 */
public record ChunkerParams(int min, int avg, int max) {
  /** The most a chunk may hold: bounds every buffer on the write and read paths. */
  public static final int MAX_CHUNK = 1 << 20;

  /** 16/64/256 KiB, the container-image consensus (casync, desync, PuzzleFS). */
  public static final ChunkerParams DEFAULT = new ChunkerParams(16 << 10, 64 << 10, 256 << 10);

  public ChunkerParams {
    if (Integer.bitCount(avg) != 1 || avg < 256) {
      throw new InvalidArgumentException(
          "chunker: average size " + avg + " must be a power of two of at least 256");
    }
    if (min < 64 || min >= avg || max <= avg || max > MAX_CHUNK) {
      throw new InvalidArgumentException(
          "chunker: sizes "
              + min
              + "/"
              + avg
              + "/"
              + max
              + " must satisfy 64 <= min < avg < max <= "
              + MAX_CHUNK);
    }
  }
}
