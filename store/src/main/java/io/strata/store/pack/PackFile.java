package io.strata.store.pack;

import io.strata.store.error.CorruptDataException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One pack on disk, open for positional reads. Reference-counted so that GC can retire a pack while
 * readers still hold it: the file is unlinked at once and its channel closed when the last reader
 * lets go.
 */
final class PackFile {
  private final int id;
  private final Path path;
  private final FileChannel channel;
  // One reference belongs to the pack set; readers add theirs.
  private final AtomicInteger refs = new AtomicInteger(1);

  PackFile(int id, Path path) throws IOException {
    this.id = id;
    this.path = path;
    this.channel = FileChannel.open(path, StandardOpenOption.READ);
  }

  int id() {
    return id;
  }

  Path path() {
    return path;
  }

  /** Takes a reference; false if the pack was retired meanwhile. */
  boolean acquire() {
    while (true) {
      int r = refs.get();
      if (r == 0) {
        return false;
      }
      if (refs.compareAndSet(r, r + 1)) {
        return true;
      }
    }
  }

  void release() {
    if (refs.decrementAndGet() == 0) {
      try {
        channel.close();
      } catch (IOException e) {
        throw new UncheckedIOException("pack " + path.getFileName() + ": close failed", e);
      }
    }
  }

  /** Unlinks the file and drops the pack set's reference. */
  void retire() throws IOException {
    Files.deleteIfExists(path);
    release();
  }

  /** Reads exactly {@code len} bytes at {@code pos}. */
  void read(long pos, byte[] dst, int off, int len) throws IOException {
    ByteBuffer bb = ByteBuffer.wrap(dst, off, len);
    while (bb.hasRemaining()) {
      int n = channel.read(bb, pos + bb.position() - off);
      if (n < 0) {
        throw new CorruptDataException(
            "pack "
                + path.getFileName()
                + ": ends before offset "
                + (pos + len)
                + " that the index points to",
            path.getFileName().toString());
      }
    }
  }
}
