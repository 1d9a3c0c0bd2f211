package io.strata.store.pack;

import io.strata.store.compress.Codec;
import io.strata.store.digest.Digest;

/**
 * What a pack record says about its chunk.
 *
 * @param chunkId the dense id the index knows the chunk by
 * @param codec how the payload is encoded
 * @param storedLen the payload's length in the pack
 * @param rawLen the chunk's length once decoded
 * @param digest the SHA-256 of the decoded chunk
 * @param dictId the dictionary a {@link Codec#ZSTD_DICT} payload needs; 0 for the other codecs
 */
public record RecordHeader(
    int chunkId, Codec codec, int storedLen, int rawLen, Digest digest, int dictId) {
  /** A record of version 1: no dictionary. */
  public RecordHeader(int chunkId, Codec codec, int storedLen, int rawLen, Digest digest) {
    this(chunkId, codec, storedLen, rawLen, digest, 0);
  }

  /** The length on disk of the whole record, padding included. */
  public int recordLength() {
    return PackFormat.recordLength(storedLen);
  }
}
