package io.strata.store.image.build;

/**
 * One build cache entry, the JSON payload of root {@code img/cache/<step key hex>}: the layer state
 * after a step whose key (parent step, instruction text, digest of its inputs) matched.
 *
 * @param chainId the top layer after the step (null: no layer yet)
 * @param created when the step was first built (RFC 3339), the time its history row keeps when it
 *     is reused; null in entries written before builds recorded times
 */
record CacheRecord(String chainId, String created) {
  static final String PREFIX = "img/cache/";
}
