package io.strata.store.blob;

import io.strata.store.digest.Digest;

/**
 * The outcome of storing an object.
 *
 * @param digest the SHA-256 of the content
 * @param size the content's length
 * @param newChunks chunks this put wrote that the store did not hold
 * @param newBytes bytes those chunks take in the packs
 */
public record PutResult(Digest digest, long size, int newChunks, long newBytes) {}
