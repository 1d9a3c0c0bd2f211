package io.strata.store.blob;

import io.strata.store.digest.Digest;

/**
 * What a stored object consists of.
 *
 * @param digest its SHA-256
 * @param size its length
 * @param chunks how many chunks it references (with repeats)
 * @param uniqueBytes pack bytes of the chunks no other root references: what removing it and
 *     running gc would give back
 */
public record BlobStat(Digest digest, long size, int chunks, long uniqueBytes) {}
