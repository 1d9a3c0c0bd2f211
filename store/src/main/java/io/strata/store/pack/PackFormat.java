package io.strata.store.pack;

/**
 * The layout of pack files; docs/FORMAT.md has the prose. All integers are big-endian.
 *
 * <pre>
 * pack    := header record* trailer?          (the trailer is written when the pack is sealed)
 * header  := "STRPACK1" u32 version u32 packId u64 createdMillis u32 reserved u32 crc32c(previous 28 bytes)
 * record  := u32 RECORD_MAGIC u8 codec u8 flags u16 reserved u32 chunkId u32 storedLen u32 rawLen
 *            byte[32] sha256(raw) byte[storedLen] payload u32 crc32c(everything before) pad-to-8
 * trailer := u32 TRAILER_MAGIC u32 recordCount u64 trailerOffset u32 crc32c(previous 16 bytes) u32 0
 * </pre>
 *
 * Records start at multiples of 8, so a record's offset fits the index's 23-bit field, and a
 * scanner that meets damage can find the next record again by looking for its magic.
 */
public final class PackFormat {
  private PackFormat() {}

  public static final byte[] HEADER_MAGIC = {'S', 'T', 'R', 'P', 'A', 'C', 'K', '1'};
  public static final int VERSION = 1;
  public static final int HEADER_SIZE = 32;

  public static final int RECORD_MAGIC = 0x52454331; // "REC1"

  /** Bytes before the payload. */
  public static final int RECORD_HEADER = 52;

  /** Header, CRC and the most padding a record can carry, on top of its payload. */
  public static final int RECORD_OVERHEAD = RECORD_HEADER + 4 + 7;

  public static final int TRAILER_MAGIC = 0x454E4431; // "END1"
  public static final int TRAILER_SIZE = 24;

  /** A pack is sealed once it passes this size... */
  public static final long TARGET_SIZE = 32L << 20;

  /** ...so it never reaches this one, which the index's offset field is sized for. */
  public static final long MAX_SIZE = 64L << 20;

  /** The header of pack {@code id}, created at {@code createdMillis}. */
  public static byte[] header(int id, long createdMillis) {
    byte[] h = new byte[HEADER_SIZE];
    System.arraycopy(HEADER_MAGIC, 0, h, 0, 8);
    Bytes.putInt(h, 8, VERSION);
    Bytes.putInt(h, 12, id);
    Bytes.putLong(h, 16, createdMillis);
    Bytes.putInt(h, 28, Bytes.crc32c(h, 0, 28));
    return h;
  }

  /**
   * The trailer of a pack whose trailer starts at {@code offset}, after {@code records} records.
   */
  public static byte[] trailer(int records, long offset) {
    byte[] t = new byte[TRAILER_SIZE];
    Bytes.putInt(t, 0, TRAILER_MAGIC);
    Bytes.putInt(t, 4, records);
    Bytes.putLong(t, 8, offset);
    Bytes.putInt(t, 16, Bytes.crc32c(t, 0, 16));
    return t;
  }

  /** The length on disk of a record whose payload is {@code storedLen} bytes. */
  public static int recordLength(int storedLen) {
    return align(RECORD_HEADER + storedLen + 4);
  }

  /** Rounds up to the next multiple of 8. */
  public static int align(int n) {
    return (n + 7) & ~7;
  }

  /** The file name of pack {@code id}. */
  public static String fileName(int id) {
    return String.format("%08x.pack", id);
  }

  /** The pack id of a file name, or -1 if it is not a pack's. */
  public static int idOf(String fileName) {
    if (!fileName.endsWith(".pack") || fileName.length() != 13) {
      return -1;
    }
    try {
      return Integer.parseUnsignedInt(fileName.substring(0, 8), 16);
    } catch (NumberFormatException e) {
      return -1;
    }
  }
}
