package io.strata.store.transfer;

import io.strata.store.digest.Digest;

/**
 * One chunk of a plan: its SHA-256 and length.
 *
 * @param digest the SHA-256 of the chunk's bytes
 * @param length how many bytes it has
 */
public record ChunkPiece(Digest digest, int length) {}
