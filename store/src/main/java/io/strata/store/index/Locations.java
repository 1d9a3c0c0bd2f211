package io.strata.store.index;

import io.strata.store.error.InvalidArgumentException;

/**
 * A chunk's place on disk packed into one {@code long}, so the index spends 8 bytes on it:
 *
 * <pre>
 * bits 63..44  pack id           (20 bits; id 0xFFFFF is reserved)
 * bits 43..21  record offset / 8 (23 bits: packs stay under 64 MiB)
 * bits 20..0   stored length     (21 bits: chunks are at most 1 MiB)
 * </pre>
 *
 * Zero means "no chunk"; {@link #PENDING} marks a chunk reserved by a writer and not yet appended.
 */
public final class Locations {
  public static final long NONE = 0;
  public static final long PENDING = -1L;
  public static final int MAX_PACK_ID = 0xFFFFE;

  private Locations() {}

  public static long encode(int packId, long offset, int storedLen) {
    if (packId <= 0 || packId > MAX_PACK_ID || (offset & 7) != 0 || offset >>> 3 >= 1 << 23) {
      throw new InvalidArgumentException(
          "chunk location pack " + packId + " offset " + offset + " does not fit the index");
    }
    if (storedLen < 0 || storedLen >= 1 << 21) {
      throw new InvalidArgumentException("chunk stored length " + storedLen + " is too large");
    }
    return (long) packId << 44 | (offset >>> 3) << 21 | storedLen;
  }

  public static int packId(long loc) {
    return (int) (loc >>> 44);
  }

  public static long offset(long loc) {
    return ((loc >>> 21) & ((1 << 23) - 1)) << 3;
  }

  public static int storedLen(long loc) {
    return (int) (loc & ((1 << 21) - 1));
  }

  /** Whether {@code loc} names a written chunk (not none, not pending). */
  public static boolean isStored(long loc) {
    return loc != NONE && loc != PENDING;
  }
}
