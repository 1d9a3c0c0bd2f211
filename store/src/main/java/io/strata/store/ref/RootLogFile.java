package io.strata.store.ref;

import io.strata.store.disk.AtomicFiles;
import io.strata.store.pack.Bytes;
import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Set;

/**
 * One copy of the root log on disk. {@link RootLog} keeps two, written alike, and reads them side
 * by side.
 *
 * <pre>
 * file   := "STRROOT1" u32 version u64 generation u32 crc32c(previous 20 bytes) record*
 * record := u32 bodyLength body u32 crc32c(bodyLength body)
 * </pre>
 *
 * Version 1 files (a 16-byte header without the generation: {@code "STRROOT1" u32 1 u32 crc}) are
 * still read; the first open rewrites them as version 2.
 */
final class RootLogFile implements Closeable {
  static final byte[] MAGIC = {'S', 'T', 'R', 'R', 'O', 'O', 'T', '1'};
  static final int VERSION = 2;
  static final int HEADER = 24;
  private static final int V1_HEADER = 16;

  /** The largest record the log accepts (a root's bitmap and payload together). */
  static final int MAX_RECORD = 256 << 20;

  /**
   * A copy's header.
   *
   * @param version the format version
   * @param generation how many times the log was rewritten whole; the copy with the higher one is
   *     the newer after a crash between the renames of a compaction
   * @param length the header's length: where the first record starts
   */
  record Header(int version, long generation, int length) {}

  private final Path path;
  private final FileChannel channel;
  private long size;

  private RootLogFile(Path path, FileChannel channel, long size) {
    this.path = path;
    this.channel = channel;
    this.size = size;
  }

  /** Opens an existing copy for appending at {@code end}, cutting off whatever lies beyond. */
  static RootLogFile openAt(Path path, long end) throws IOException {
    FileChannel ch = FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE);
    try {
      if (ch.size() > end) {
        ch.truncate(end);
        ch.force(true);
      }
      return new RootLogFile(path, ch, end);
    } catch (IOException | RuntimeException e) {
      ch.close();
      throw e;
    }
  }

  Path path() {
    return path;
  }

  long size() {
    return size;
  }

  /** Appends {@code bytes} at the end; durable after {@link #force}. */
  void append(byte[] bytes) throws IOException {
    ByteBuffer bb = ByteBuffer.wrap(bytes);
    long at = size;
    while (bb.hasRemaining()) {
      at += channel.write(bb, at);
    }
    size = at;
  }

  /**
   * Cuts the copy back to {@code end}: an append that failed half-way (a full disk) must not leave
   * a partial record that a later append would follow.
   */
  void truncate(long end) throws IOException {
    channel.truncate(end);
    size = end;
  }

  void force() throws IOException {
    channel.force(false);
  }

  @Override
  public void close() throws IOException {
    channel.close();
  }

  /**
   * Writes a complete copy at {@code p}: the header of {@code generation} and {@code records}, made
   * durable. Not atomic by itself: the caller writes it under a temporary name and renames it.
   */
  static void writeFresh(Path p, long generation, List<byte[]> records) throws IOException {
    try (FileChannel ch =
        FileChannel.open(
            p,
            Set.of(
                StandardOpenOption.CREATE,
                StandardOpenOption.TRUNCATE_EXISTING,
                StandardOpenOption.WRITE),
            AtomicFiles.privateFile(p))) {
      long at = 0;
      ByteBuffer header = ByteBuffer.wrap(header(generation));
      while (header.hasRemaining()) {
        at += ch.write(header, at);
      }
      for (byte[] r : records) {
        ByteBuffer bb = ByteBuffer.wrap(r);
        while (bb.hasRemaining()) {
          at += ch.write(bb, at);
        }
      }
      ch.force(true);
    }
  }

  static byte[] header(long generation) {
    byte[] h = new byte[HEADER];
    System.arraycopy(MAGIC, 0, h, 0, MAGIC.length);
    Bytes.putInt(h, 8, VERSION);
    Bytes.putLong(h, 12, generation);
    Bytes.putInt(h, 20, Bytes.crc32c(h, 0, 20));
    return h;
  }

  // ---- reading, on a channel of its own ----

  /** A copy opened for reading, with what its header says. */
  static final class Reader implements Closeable {
    final Path path;
    final FileChannel channel;
    final long fileSize;
    final Header header;

    private Reader(Path path, FileChannel channel, Header header) throws IOException {
      this.path = path;
      this.channel = channel;
      this.fileSize = channel.size();
      this.header = header;
    }

    /** The copy at {@code path}, or null if there is no such file. */
    static Reader open(Path path) throws IOException {
      if (!Files.exists(path)) {
        return null;
      }
      FileChannel ch = FileChannel.open(path, StandardOpenOption.READ);
      return new Reader(path, ch, readHeader(ch));
    }

    /**
     * The whole record at {@code pos} (length, body and CRC), or null if none is there intact: the
     * copy ends, is cut short, or the bytes fail their checksum.
     */
    byte[] record(long pos) throws IOException {
      if (header == null || pos + 8 > fileSize) {
        return null;
      }
      byte[] lenBuf = new byte[4];
      if (!readFully(channel, pos, lenBuf)) {
        return null;
      }
      int len = Bytes.getInt(lenBuf, 0);
      if (len < 3 || len > MAX_RECORD || pos + 8 + len > fileSize) {
        return null;
      }
      byte[] rec = new byte[len + 8];
      if (!readFully(channel, pos, rec)) {
        return null;
      }
      return Bytes.getInt(rec, len + 4) == Bytes.crc32c(rec, 0, len + 4) ? rec : null;
    }

    /**
     * The first offset at or after {@code from} where an intact record starts, or -1. A torn tail
     * holds none; a record found after a bad one means the bad one is damage, not a torn append.
     */
    long nextIntactRecord(long from) throws IOException {
      for (long pos = from; pos + 8 <= fileSize; pos++) {
        if (record(pos) != null) {
          return pos;
        }
      }
      return -1;
    }

    @Override
    public void close() throws IOException {
      channel.close();
    }
  }

  private static Header readHeader(FileChannel ch) throws IOException {
    byte[] h = new byte[HEADER];
    int n = 0;
    ByteBuffer bb = ByteBuffer.wrap(h);
    while (bb.hasRemaining()) {
      int r = ch.read(bb, bb.position());
      if (r < 0) {
        break;
      }
      n += r;
    }
    if (n < V1_HEADER) {
      return null;
    }
    for (int i = 0; i < MAGIC.length; i++) {
      if (h[i] != MAGIC[i]) {
        return null;
      }
    }
    int version = Bytes.getInt(h, 8);
    if (version == 1 && Bytes.getInt(h, 12) == Bytes.crc32c(h, 0, 12)) {
      return new Header(1, 0, V1_HEADER);
    }
    if (version == VERSION && n == HEADER && Bytes.getInt(h, 20) == Bytes.crc32c(h, 0, 20)) {
      return new Header(VERSION, Bytes.getLong(h, 12), HEADER);
    }
    return null;
  }

  private static boolean readFully(FileChannel ch, long pos, byte[] dst) throws IOException {
    ByteBuffer bb = ByteBuffer.wrap(dst);
    while (bb.hasRemaining()) {
      if (ch.read(bb, pos + bb.position()) < 0) {
        return false;
      }
    }
    return true;
  }
}
