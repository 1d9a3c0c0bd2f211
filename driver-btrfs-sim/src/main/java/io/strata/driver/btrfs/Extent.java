package io.strata.driver.btrfs;

import io.strata.store.chunk.ChunkerParams;
import io.strata.store.digest.Digest;
import io.strata.store.error.CorruptDataException;
import java.nio.ByteBuffer;

/**
 * A byte range of one stored chunk: the value of a file's DATA item, whose key is the file offset
 * where the range begins. Like a Btrfs file extent item pointing into a (shared, immutable) data
 * extent, a trimmed extent keeps pointing into the same chunk, so splitting one never copies data.
 *
 * <pre>
 * value := byte[32] chunkDigest u32 offsetInChunk u32 length u8 version(=1)
 * </pre>
 *
 * The digest comes first, as the file system expects of every layout's items when it recounts the
 * chunks a tree uses.
 *
 * @param chunk the chunk holding the bytes
 * @param offset where the range starts within the chunk
 * @param length the range's length, at least 1 and at most one chunk
 */
record Extent(Digest chunk, int offset, int length) {
  static final int ENCODED_LENGTH = Digest.LENGTH + 4 + 4 + 1;
  private static final byte VERSION = 1;

  Extent {
    if (offset < 0
        || length <= 0
        || length > ChunkerParams.MAX_CHUNK
        || offset > ChunkerParams.MAX_CHUNK - length) {
      throw new IllegalArgumentException(
          "extent of chunk " + chunk + ": range " + offset + "+" + length + " is out of bounds");
    }
  }

  /** The part of this extent from {@code from} (relative to its start) on, {@code len} long. */
  Extent slice(long from, long len) {
    if (from < 0 || len <= 0 || from + len > length) {
      throw new IllegalArgumentException(
          "extent of " + length + " bytes: slice " + from + "+" + len + " is out of bounds");
    }
    return new Extent(chunk, offset + (int) from, (int) len);
  }

  byte[] encode() {
    ByteBuffer b = ByteBuffer.allocate(ENCODED_LENGTH).put(chunk.bytes());
    return b.putInt(offset).putInt(length).put(VERSION).array();
  }

  /** Decodes the DATA item of inode {@code ino} at file offset {@code pos}. */
  static Extent decode(byte[] value, long ino, long pos) {
    if (value.length != ENCODED_LENGTH || value[ENCODED_LENGTH - 1] != VERSION) {
      throw damaged(ino, pos, null);
    }
    ByteBuffer b = ByteBuffer.wrap(value, Digest.LENGTH, 8);
    try {
      return new Extent(Digest.of(value, 0), b.getInt(), b.getInt());
    } catch (IllegalArgumentException e) {
      throw damaged(ino, pos, e);
    }
  }

  private static CorruptDataException damaged(long ino, long pos, Throwable cause) {
    String where = "inode " + ino;
    return new CorruptDataException(where + ": damaged extent item at offset " + pos, where, cause);
  }
}
