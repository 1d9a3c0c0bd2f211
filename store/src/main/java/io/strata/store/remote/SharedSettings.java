package io.strata.store.remote;

/**
 * How a chunk store shares a bucket.
 *
 * @param objects the bucket
 * @param cacheBytes what this disk may hold of packs the bucket has: uploaded packs of this store
 *     and blocks fetched from others' (the open pack and packs not yet uploaded come on top)
 * @param pollMillis how often the bucket is listed for other stores' new index segments
 * @param sealIdleMillis an open pack that received nothing for this long is sealed and uploaded, so
 *     that other stores see its chunks
 */
public record SharedSettings(
    ObjectStore objects, long cacheBytes, long pollMillis, long sealIdleMillis) {
  public static final long DEFAULT_CACHE_BYTES = 8L << 30;
  public static final long DEFAULT_POLL_MILLIS = 2_000;
  public static final long DEFAULT_SEAL_IDLE_MILLIS = 1_000;

  /** The defaults for {@code objects}. */
  public static SharedSettings of(ObjectStore objects) {
    return new SharedSettings(
        objects, DEFAULT_CACHE_BYTES, DEFAULT_POLL_MILLIS, DEFAULT_SEAL_IDLE_MILLIS);
  }
}
