package io.strata.store.pack;

import io.strata.store.chunk.ChunkerParams;
import io.strata.store.compress.Codec;
import io.strata.store.digest.Digest;
import io.strata.store.error.CorruptDataException;
import java.util.Arrays;

/** Writes and checks pack records in byte arrays. */
public final class Records {
  private Records() {}

  /**
   * Completes a record in {@code buf} at {@code off} whose payload of {@code storedLen} bytes is
   * already in place at {@code off + RECORD_HEADER}: writes the header, the CRC and the padding.
   * Returns the record's length.
   */
  public static int seal(
      byte[] buf, int off, int chunkId, Codec codec, int storedLen, int rawLen, Digest digest) {
    Bytes.putInt(buf, off, PackFormat.RECORD_MAGIC);
    buf[off + 4] = (byte) codec.id();
    buf[off + 5] = 0;
    buf[off + 6] = 0;
    buf[off + 7] = 0;
    Bytes.putInt(buf, off + 8, chunkId);
    Bytes.putInt(buf, off + 12, storedLen);
    Bytes.putInt(buf, off + 16, rawLen);
    digest.copyTo(buf, off + 20);
    int crcAt = off + PackFormat.RECORD_HEADER + storedLen;
    Bytes.putInt(buf, crcAt, Bytes.crc32c(buf, off, crcAt - off));
    int length = PackFormat.recordLength(storedLen);
    Arrays.fill(buf, crcAt + 4, off + length, (byte) 0);
    return length;
  }

  /**
   * Parses the header of the record at {@code off}, of which {@code avail} bytes are in {@code
   * buf}. Returns null if fewer bytes than the header are available; throws if the header is not a
   * record's.
   */
  public static RecordHeader header(byte[] buf, int off, int avail, String where) {
    if (avail < PackFormat.RECORD_HEADER) {
      return null;
    }
    if (Bytes.getInt(buf, off) != PackFormat.RECORD_MAGIC) {
      throw new CorruptDataException(where + ": no record magic", where);
    }
    Codec codec = Codec.ofId(buf[off + 4] & 0xFF, where);
    int storedLen = Bytes.getInt(buf, off + 12);
    int rawLen = Bytes.getInt(buf, off + 16);
    int limit = ChunkerParams.MAX_CHUNK;
    if (rawLen < 0 || rawLen > limit || storedLen < 0 || storedLen > rawLen) {
      throw new CorruptDataException(
          where + ": record lengths stored " + storedLen + " raw " + rawLen + " are impossible",
          where);
    }
    return new RecordHeader(
        Bytes.getInt(buf, off + 8), codec, storedLen, rawLen, Digest.of(buf, off + 20));
  }

  /** Throws unless the CRC of the complete record at {@code off} matches. */
  public static void checkCrc(byte[] buf, int off, RecordHeader h, String where) {
    int crcAt = off + PackFormat.RECORD_HEADER + h.storedLen();
    if (Bytes.getInt(buf, crcAt) != Bytes.crc32c(buf, off, crcAt - off)) {
      throw new CorruptDataException(
          where + ": checksum mismatch in the record of chunk " + h.digest(), where);
    }
  }
}
