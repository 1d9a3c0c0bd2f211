package io.strata.store.driver;

/**
 * The space one snapshot takes, from the reference bitmaps (no rescan).
 *
 * @param exclusiveBytes pack bytes of chunks no other root references: what removing it frees
 * @param sharedBytes pack bytes of its chunks that other roots reference too
 * @param chunks distinct chunks it references
 */
public record Usage(long exclusiveBytes, long sharedBytes, long chunks) {
  /** Everything it references. */
  public long totalBytes() {
    return exclusiveBytes + sharedBytes;
  }
}
