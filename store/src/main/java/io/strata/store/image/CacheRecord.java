package io.strata.store.image;

/**
 * One build cache entry, the JSON payload of root {@code img/cache/<step key hex>}: the layer state
 * after a step whose key (parent step, instruction text, digest of its inputs) matched.
 *
 * @param chainId the top layer after the step (null: no layer yet)
 */
record CacheRecord(String chainId) {
  static final String PREFIX = "img/cache/";
}
