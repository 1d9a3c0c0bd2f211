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
 * @param grouped whether this is a group record (version 3, {@link GroupTable}): the payload is a
 *     member table and one frame of several chunks; {@code chunkId} is then the first member's,
 *     {@code rawLen} the members' total and {@code digest} the SHA-256 of the table
 */
public record RecordHeader(
    int chunkId,
    Codec codec,
    int storedLen,
    int rawLen,
    Digest digest,
    int dictId,
    boolean grouped) {
  /** A record of version 1: no dictionary. */
  public RecordHeader(int chunkId, Codec codec, int storedLen, int rawLen, Digest digest) {
    this(chunkId, codec, storedLen, rawLen, digest, 0, false);
  }

  /** A record of one chunk (version 1 or 2). */
  public RecordHeader(
      int chunkId, Codec codec, int storedLen, int rawLen, Digest digest, int dictId) {
    this(chunkId, codec, storedLen, rawLen, digest, dictId, false);
  }

  /** The length on disk of the whole record, padding included. */
  public int recordLength() {
    return PackFormat.recordLength(storedLen);
  }
}
