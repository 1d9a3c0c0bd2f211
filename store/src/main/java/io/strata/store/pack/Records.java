package io.strata.store.pack;

import io.strata.store.chunk.ChunkerParams;
import io.strata.store.compress.Codec;
import io.strata.store.digest.Digest;
import io.strata.store.error.CorruptDataException;
import java.util.Arrays;

/** Writes and checks pack records in byte arrays. */
public final class Records {
  private Records() {}

  /** The largest dictionary id a record can name (24 bits). */
  public static final int MAX_DICT_ID = (1 << 24) - 1;

  /**
   * Completes a record in {@code buf} at {@code off} whose payload of {@code storedLen} bytes is
   * already in place at {@code off + RECORD_HEADER}: writes the header, the CRC and the padding.
   * Returns the record's length.
   */
  public static int seal(
      byte[] buf, int off, int chunkId, Codec codec, int storedLen, int rawLen, Digest digest) {
    return seal(buf, off, chunkId, codec, storedLen, rawLen, digest, 0);
  }

  /**
   * As {@link #seal(byte[], int, int, Codec, int, int, Digest)} for a record whose payload needs
   * dictionary {@code dictId} (codec {@link Codec#ZSTD_DICT}; 0 for every other codec). The id
   * takes the 24 bits that version 1 of the record kept zero (its flags and reserved fields), so a
   * record without a dictionary is byte for byte what version 1 wrote.
   */
  public static int seal(
      byte[] buf,
      int off,
      int chunkId,
      Codec codec,
      int storedLen,
      int rawLen,
      Digest digest,
      int dictId) {
    return seal(buf, off, chunkId, codec, storedLen, rawLen, digest, dictId, false);
  }

  /**
   * As {@link #seal(byte[], int, int, Codec, int, int, Digest, int)}; {@code grouped} marks a group
   * record (version 3): the codec byte carries {@link GroupTable#GROUP_FLAG}, which a release that
   * knows only versions 1 and 2 refuses as an unknown codec.
   */
  public static int seal(
      byte[] buf,
      int off,
      int chunkId,
      Codec codec,
      int storedLen,
      int rawLen,
      Digest digest,
      int dictId,
      boolean grouped) {
    if ((codec == Codec.ZSTD_DICT) != (dictId != 0) || dictId < 0 || dictId > MAX_DICT_ID) {
      throw new IllegalArgumentException("codec " + codec + " with dictionary " + dictId);
    }
    Bytes.putInt(buf, off, PackFormat.RECORD_MAGIC);
    buf[off + 4] = (byte) (codec.id() | (grouped ? GroupTable.GROUP_FLAG : 0));
    buf[off + 5] = (byte) (dictId >>> 16);
    buf[off + 6] = (byte) (dictId >>> 8);
    buf[off + 7] = (byte) dictId;
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
    int codecByte = buf[off + 4] & 0xFF;
    boolean grouped = (codecByte & GroupTable.GROUP_FLAG) != 0;
    Codec codec = Codec.ofId(codecByte & ~GroupTable.GROUP_FLAG, where);
    int dictId = (buf[off + 5] & 0xFF) << 16 | (buf[off + 6] & 0xFF) << 8 | (buf[off + 7] & 0xFF);
    if ((codec == Codec.ZSTD_DICT) != (dictId != 0)) {
      throw new CorruptDataException(
          where + ": record of codec " + codec + " names dictionary " + dictId, where);
    }
    int storedLen = Bytes.getInt(buf, off + 12);
    int rawLen = Bytes.getInt(buf, off + 16);
    int limit = ChunkerParams.MAX_CHUNK;
    if (rawLen < 0 || rawLen > limit || storedLen < 0 || storedLen > rawLen) {
      throw new CorruptDataException(
          where + ": record lengths stored " + storedLen + " raw " + rawLen + " are impossible",
          where);
    }
    if (grouped && storedLen < GroupTable.tableLength(1)) {
      throw new CorruptDataException(
          where + ": group record of " + storedLen + " bytes is too short for its table", where);
    }
    return new RecordHeader(
        Bytes.getInt(buf, off + 8),
        codec,
        storedLen,
        rawLen,
        Digest.of(buf, off + 20),
        dictId,
        grouped);
  }

  /**
   * Throws unless the CRC of the complete record at {@code off} matches. A group record's header
   * digest is its member table's, the digest of no chunk: such a record is named as a group (a
   * reader names the member it wanted, {@link #crcMatches}).
   */
  public static void checkCrc(byte[] buf, int off, RecordHeader h, String where) {
    if (!crcMatches(buf, off, h)) {
      throw new CorruptDataException(
          where
              + (h.grouped()
                  ? ": the group record fails its checksum"
                  : ": checksum mismatch in the record of chunk " + h.digest()),
          where);
    }
  }

  /** Whether the CRC of the complete record at {@code off} matches. */
  public static boolean crcMatches(byte[] buf, int off, RecordHeader h) {
    int crcAt = off + PackFormat.RECORD_HEADER + h.storedLen();
    return Bytes.getInt(buf, crcAt) == Bytes.crc32c(buf, off, crcAt - off);
  }
}
