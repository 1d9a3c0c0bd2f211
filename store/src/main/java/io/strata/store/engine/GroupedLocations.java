package io.strata.store.engine;

import io.strata.store.index.Locations;
import io.strata.store.pack.GroupTable;
import io.strata.store.pack.PackFormat;

/**
 * Index locations of chunks stored in a group record. The index gives every chunk one {@code long}
 * ({@link Locations}); a group member's keeps the group record's pack and offset, and uses the
 * 21-bit stored-length field, whose values above 2^20 no single record can have (a chunk is at most
 * 1 MiB), for the member's place:
 *
 * <pre>
 * bit 20      1: a group member (with bits 0..19 not all zero)
 * bits 19..8  the member's share of the group record, in units of 64 bytes (for usage figures and
 *             gc's dead share: the record's length split by raw length, rounded up)
 * bits 7..0   the member's position in the group's table, plus one
 * </pre>
 */
final class GroupedLocations {
  private static final int MEMBER = 1 << 20;
  private static final int SHARE_UNIT = 64;
  private static final int MAX_SHARE = 0xFFF;

  private GroupedLocations() {}

  /**
   * The location of member {@code index}, of {@code memberRaw} bytes, of the group record at {@code
   * offset} of pack {@code packId} whose record takes {@code recordLength} bytes for {@code
   * groupRaw} bytes of members.
   */
  static long member(
      int packId, long offset, int recordLength, int groupRaw, int memberRaw, int index) {
    if (index < 0 || index >= GroupTable.MAX_MEMBERS) {
      throw new IllegalArgumentException("group member " + index);
    }
    return Locations.encode(
        packId, offset, MEMBER | share(recordLength, groupRaw, memberRaw) << 8 | (index + 1));
  }

  /** A member's share of its record in units of 64 bytes, as {@link #member} encodes it. */
  private static int share(int recordLength, int groupRaw, int memberRaw) {
    if (groupRaw == 0) {
      return 0;
    }
    long bytes = ((long) recordLength * memberRaw + groupRaw - 1) / groupRaw;
    return (int) Math.min(MAX_SHARE, (bytes + SHARE_UNIT - 1) / SHARE_UNIT);
  }

  /** Whether {@code loc} places a chunk in a group record. */
  static boolean isMember(long loc) {
    return Locations.isStored(loc) && Locations.storedLen(loc) > MEMBER;
  }

  /** The position in its group's table of the member {@code loc} places. */
  static int index(long loc) {
    return (Locations.storedLen(loc) & 0xFF) - 1;
  }

  /**
   * Pack bytes the chunk at {@code loc} takes: its record's length, or for a group member its share
   * of the group's record.
   */
  static int storedBytes(long loc) {
    if (!Locations.isStored(loc)) {
      return 0;
    }
    if (isMember(loc)) {
      return ((Locations.storedLen(loc) >>> 8) & MAX_SHARE) * SHARE_UNIT;
    }
    return PackFormat.recordLength(Locations.storedLen(loc));
  }

  /**
   * An offset the record at {@code loc} surely ends by: its end for a chunk's own record; for a
   * group member, whose record length the index does not keep, the end of the largest group record
   * (a durability check with it errs on the side of "not yet durable").
   */
  static long recordEndBound(long loc) {
    long start = Locations.offset(loc);
    if (isMember(loc)) {
      return start + PackFormat.recordLength(GroupTable.MAX_RAW + GroupTable.tableLength(255));
    }
    return start + PackFormat.recordLength(Locations.storedLen(loc));
  }
}
