package io.strata.store.blob;

import io.strata.store.digest.Digest;

/**
 * One stored object in a listing.
 *
 * @param digest its SHA-256
 * @param size its length
 */
public record BlobEntry(Digest digest, long size) {}
