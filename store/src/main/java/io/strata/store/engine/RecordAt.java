package io.strata.store.engine;

import io.strata.store.error.CorruptDataException;
import io.strata.store.pack.PackFormat;
import io.strata.store.pack.RecordHeader;
import io.strata.store.pack.Records;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * One record of a pack read on its own, for recovery's rare questions about a single place: whether
 * the record the checkpoint names is still intact, and what a damaged record's header says.
 */
final class RecordAt {
  private RecordAt() {}

  /**
   * The header of the record at {@code offset} of {@code pack}, or null if it does not parse (no
   * magic, impossible lengths, cut short, or the file is gone). Its CRC is not checked: the header
   * of a damaged record is believed only as far as the caller checks it against other evidence.
   */
  static RecordHeader header(Path pack, long offset) throws IOException {
    byte[] h = read(pack, offset, PackFormat.RECORD_HEADER);
    if (h == null) {
      return null;
    }
    try {
      return Records.header(h, 0, h.length, pack.getFileName() + " offset " + offset);
    } catch (CorruptDataException e) {
      return null;
    }
  }

  /**
   * Whether the record at {@code offset} of {@code pack} is intact: its header parses, it is chunk
   * {@code id}'s own record (or a group record, when {@code grouped}), and its CRC matches.
   */
  static boolean intact(Path pack, long offset, int id, boolean grouped) throws IOException {
    RecordHeader h = header(pack, offset);
    if (h == null || h.grouped() != grouped || (!grouped && h.chunkId() != id)) {
      return false;
    }
    byte[] rec = read(pack, offset, h.recordLength());
    return rec != null && Records.crcMatches(rec, 0, h);
  }

  /** {@code len} bytes at {@code at}, or null if the file is gone or ends before them. */
  private static byte[] read(Path pack, long at, int len) throws IOException {
    try (FileChannel ch = FileChannel.open(pack, StandardOpenOption.READ)) {
      ByteBuffer b = ByteBuffer.allocate(len);
      while (b.hasRemaining()) {
        if (ch.read(b, at + b.position()) < 0) {
          return null;
        }
      }
      return b.array();
    } catch (NoSuchFileException e) {
      return null;
    }
  }
}
