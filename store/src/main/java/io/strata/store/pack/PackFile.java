package io.strata.store.pack;

import io.strata.store.error.CorruptDataException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedByInterruptException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One pack on disk, read with positional reads through a channel that {@link OpenPacks} opens on
 * demand and closes when too many are open: a store of thousands of packs holds a bounded number of
 * descriptors (it held one per pack, so a large store could not start under its {@code ulimit -n}).
 *
 * <p>Reference-counted so that GC can retire a pack while readers still hold it: the file is
 * unlinked at once, a reader whose channel is still open finishes through it, and one whose channel
 * was closed meanwhile finds the pack gone ({@link #read} false) and looks again.
 */
final class PackFile {
  private final int id;
  private final Path path;
  private final OpenPacks open;
  // One reference belongs to the pack set; readers add theirs.
  private final AtomicInteger refs = new AtomicInteger(1);
  private volatile FileChannel channel; // null: not open now
  private volatile boolean retired;
  private volatile boolean recent; // read since OpenPacks last looked: a second chance

  PackFile(int id, Path path, OpenPacks open) {
    this.id = id;
    this.path = path;
    this.open = open;
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
      open.forget(this);
      close();
    }
  }

  /** Unlinks the file and drops the pack set's reference. */
  void retire() throws IOException {
    retired = true;
    Files.deleteIfExists(path);
    release();
  }

  /**
   * Opens the channel now (a new pack: its readers must be able to open it before records go
   * there). Throws if the process is out of descriptors.
   */
  void open() throws IOException {
    channel();
  }

  /**
   * Reads exactly {@code len} bytes at {@code pos}; false if the pack was retired and its file is
   * gone (its records are elsewhere now).
   */
  boolean read(long pos, byte[] dst, int off, int len) throws IOException {
    for (int attempt = 0; ; attempt++) {
      FileChannel ch;
      try {
        ch = channel();
      } catch (NoSuchFileException e) {
        if (retired) {
          return false;
        }
        throw e;
      }
      recent = true;
      try {
        readFully(ch, pos, dst, off, len);
        return true;
      } catch (ClosedByInterruptException e) {
        throw e;
      } catch (ClosedChannelException e) {
        // Closed by OpenPacks under this read: open it again (a retired pack may be gone then).
        if (attempt >= 8) {
          throw e;
        }
      }
    }
  }

  private void readFully(FileChannel ch, long pos, byte[] dst, int off, int len)
      throws IOException {
    ByteBuffer bb = ByteBuffer.wrap(dst, off, len);
    while (bb.hasRemaining()) {
      int n = ch.read(bb, pos + bb.position() - off);
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

  private FileChannel channel() throws IOException {
    FileChannel ch = channel;
    if (ch != null && ch.isOpen()) {
      return ch;
    }
    synchronized (this) {
      ch = channel;
      if (ch != null && ch.isOpen()) {
        return ch;
      }
      ch = FileChannel.open(path, StandardOpenOption.READ);
      channel = ch;
    }
    open.opened(this);
    return ch;
  }

  /** Whether it was read since the last call; clears the mark. */
  boolean takeRecent() {
    boolean r = recent;
    recent = false;
    return r;
  }

  /** Closes the channel (a read under way opens it again). */
  synchronized void close() {
    FileChannel ch = channel;
    channel = null;
    if (ch != null) {
      try {
        ch.close();
      } catch (IOException e) {
        throw new UncheckedIOException("pack " + path.getFileName() + ": close failed", e);
      }
    }
  }
}
