package io.strata.store.pack;

import io.strata.store.chunk.ChunkerParams;
import io.strata.store.digest.Digest;
import io.strata.store.error.CorruptDataException;

/**
 * The member table of a group record (version 3 of the pack record): several consecutive small
 * chunks of one write compressed together in one frame, so each borrows its neighbours' context.
 *
 * <pre>
 * group payload := u32 count member[count] frame
 * member        := u32 chunkId u32 rawLength byte[32] sha256(raw)
 * frame         := the members' bytes, concatenated in table order, encoded with the record's codec
 * </pre>
 *
 * The record's header is a plain record's with {@link #GROUP_FLAG} set in its codec byte; its
 * {@code chunkId} is the first member's, its {@code rawLength} the sum of the members' and its
 * digest the SHA-256 of the table. A member starts in the decoded frame at the sum of the lengths
 * before it.
 *
 * @param ids the members' chunk ids
 * @param rawLens the members' lengths
 * @param digests the members' SHA-256
 * @param starts where each member starts in the decoded frame
 * @param frameOff where the frame starts, relative to the payload
 * @param frameLen the frame's length
 */
public record GroupTable(
    int[] ids, int[] rawLens, Digest[] digests, int[] starts, int frameOff, int frameLen) {
  /** Set in a record's codec byte: the record holds a group. */
  public static final int GROUP_FLAG = 0x80;

  /** Members a group holds at most (the index keeps a member's position in 8 bits). */
  public static final int MAX_MEMBERS = 255;

  /** Bytes a member takes in the table. */
  public static final int MEMBER_BYTES = 4 + 4 + Digest.LENGTH;

  /**
   * The most bytes a group's members may add up to: its record must fit where a record of the
   * largest chunk does (the scanner's window and the readers' buffers are sized for that), with the
   * largest table in front of the frame.
   */
  public static final int MAX_RAW = ChunkerParams.MAX_CHUNK - tableLength(MAX_MEMBERS) - 4096;

  /** The table's length for {@code members} members. */
  public static int tableLength(int members) {
    return 4 + members * MEMBER_BYTES;
  }

  /** The number of members. */
  public int count() {
    return ids.length;
  }

  /** The position of chunk {@code id} in the table, or -1. */
  public int indexOf(int id) {
    for (int i = 0; i < ids.length; i++) {
      if (ids[i] == id) {
        return i;
      }
    }
    return -1;
  }

  /**
   * Writes the table of {@code count} members at {@code off}; returns its length. The members'
   * lengths must add up to at most {@link #MAX_RAW}.
   */
  public static int write(
      byte[] buf, int off, int count, int[] ids, int[] rawLens, Digest[] digests) {
    if (count < 1 || count > MAX_MEMBERS) {
      throw new IllegalArgumentException("a group of " + count + " members");
    }
    Bytes.putInt(buf, off, count);
    int at = off + 4;
    for (int i = 0; i < count; i++) {
      Bytes.putInt(buf, at, ids[i]);
      Bytes.putInt(buf, at + 4, rawLens[i]);
      digests[i].copyTo(buf, at + 8);
      at += MEMBER_BYTES;
    }
    return at - off;
  }

  /**
   * Parses the table of the group record whose payload starts at {@code payloadOff} of {@code buf}
   * and whose header is {@code h} (CRC already checked). Throws {@link CorruptDataException} naming
   * {@code where} if the table does not describe the record.
   */
  public static GroupTable read(byte[] buf, int payloadOff, RecordHeader h, String where) {
    if (!h.grouped()) {
      throw new IllegalArgumentException(where + " is not a group record");
    }
    int count = Bytes.getInt(buf, payloadOff);
    if (count < 1 || count > MAX_MEMBERS || tableLength(count) > h.storedLen()) {
      throw new CorruptDataException(
          where + ": group table of " + count + " members does not fit its record", where);
    }
    int[] ids = new int[count];
    int[] rawLens = new int[count];
    Digest[] digests = new Digest[count];
    int[] starts = new int[count];
    long total = 0;
    int at = payloadOff + 4;
    for (int i = 0; i < count; i++) {
      ids[i] = Bytes.getInt(buf, at);
      rawLens[i] = Bytes.getInt(buf, at + 4);
      digests[i] = Digest.of(buf, at + 8);
      if (rawLens[i] < 0 || rawLens[i] > ChunkerParams.MAX_CHUNK) {
        throw new CorruptDataException(
            where + ": group member " + ids[i] + " of " + rawLens[i] + " bytes is impossible",
            where);
      }
      starts[i] = (int) total;
      total += rawLens[i];
      at += MEMBER_BYTES;
    }
    if (total != h.rawLen()) {
      throw new CorruptDataException(
          where + ": group members add up to " + total + " bytes, the record says " + h.rawLen(),
          where);
    }
    int tableLen = tableLength(count);
    return new GroupTable(ids, rawLens, digests, starts, tableLen, h.storedLen() - tableLen);
  }
}
