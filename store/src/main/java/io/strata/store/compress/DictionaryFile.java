package io.strata.store.compress;

import io.strata.store.error.CorruptDataException;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.zip.CRC32C;

/**
 * The bytes of one dictionary file, {@code chunks/dicts/NNNNNNNN.dict} (docs/FORMAT.md, "Zstd
 * dictionaries"):
 *
 * <pre>
 * dict := "STRDICT1" u32 version(=1) u32 dictId u32 length byte[length] zstdDictionary
 *         u32 crc32c(everything before)
 * </pre>
 *
 * A dictionary never changes once written: a record names it by id, and its bytes decide how the
 * record decodes.
 */
public final class DictionaryFile {
  static final byte[] MAGIC = {'S', 'T', 'R', 'D', 'I', 'C', 'T', '1'};
  static final int VERSION = 1;
  private static final int HEADER = 20;

  /** The largest dictionary a file may hold: far above what the trainer makes, bounds a read. */
  public static final int MAX_LENGTH = 4 << 20;

  private DictionaryFile() {}

  /** The file name of dictionary {@code id}. */
  public static String fileName(int id) {
    return String.format("%08x.dict", id);
  }

  /** The dictionary id of a file name, or -1 if it is not a dictionary's. */
  public static int idOf(String fileName) {
    if (!fileName.endsWith(".dict") || fileName.length() != 13) {
      return -1;
    }
    try {
      return Integer.parseUnsignedInt(fileName.substring(0, 8), 16);
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  /** The file's bytes for dictionary {@code id} holding {@code dict}. */
  public static byte[] encode(int id, byte[] dict) {
    ByteBuffer b = ByteBuffer.allocate(HEADER + dict.length + 4);
    b.put(MAGIC).putInt(VERSION).putInt(id).putInt(dict.length).put(dict);
    b.putInt(crc(b.array(), HEADER + dict.length));
    return b.array();
  }

  /**
   * The zstd dictionary in {@code file}, checked against {@code id} (the file's name); throws
   * {@link CorruptDataException} naming {@code where} if it is damaged.
   */
  public static byte[] decode(byte[] file, int id, String where) {
    if (file.length < HEADER + 4 || !Arrays.equals(file, 0, 8, MAGIC, 0, 8)) {
      throw new CorruptDataException(where + ": not a dictionary file", where);
    }
    ByteBuffer b = ByteBuffer.wrap(file);
    int version = b.getInt(8);
    int fileId = b.getInt(12);
    int length = b.getInt(16);
    if (length < 0 || length > MAX_LENGTH || HEADER + length + 4 != file.length) {
      throw new CorruptDataException(
          where + ": dictionary length " + length + " does not match the file's", where);
    }
    if (b.getInt(HEADER + length) != crc(file, HEADER + length)) {
      throw new CorruptDataException(where + ": checksum mismatch", where);
    }
    if (version != VERSION) {
      throw new CorruptDataException(where + ": unknown dictionary version " + version, where);
    }
    if (fileId != id) {
      throw new CorruptDataException(where + ": holds dictionary " + fileId + ", not " + id, where);
    }
    return Arrays.copyOfRange(file, HEADER, HEADER + length);
  }

  private static int crc(byte[] b, int len) {
    CRC32C c = new CRC32C();
    c.update(b, 0, len);
    return (int) c.getValue();
  }
}
