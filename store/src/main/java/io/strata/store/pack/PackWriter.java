package io.strata.store.pack;

import io.strata.store.disk.AtomicFiles;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;

/**
 * The open pack: records are appended through a write buffer, so a stream of small chunks costs one
 * write call per buffer, not per chunk. Two buffers take turns: while a full one is written (see
 * {@link BufferWrite}, outside the append lock) appends go on into the other. Not thread-safe;
 * {@link PackSet} serialises calls, all but {@link BufferWrite#writeOrAwait} under its lock.
 */
final class PackWriter {
  private final int id;
  private final Path path;
  private final FileChannel channel;
  private final WriteBuffers buffers;
  private ByteBuffer buffer;
  private ByteBuffer spare;
  // The previous buffer, full, on its way to the file; null once it is back as the spare.
  private BufferWrite inFlight;
  // The file offset of the first byte in `buffer`.
  private long bufferAt;
  // Bytes at the start of `buffer` that a flush which then failed already wrote.
  private int bufferWritten;
  private long size;
  private volatile long flushed;
  private long synced;
  // Set once the pack is durable, before its channel closes: a concurrent force() that finds the
  // channel closed then knows its bytes are on disk.
  private volatile boolean sealed;
  // The file's identity when created, to tell it from nothing or another file at its path later.
  private Object fileKey;
  private int records;

  private PackWriter(
      int id,
      Path path,
      FileChannel channel,
      long size,
      WriteBuffers buffers,
      ByteBuffer buffer,
      ByteBuffer spare) {
    this.id = id;
    this.path = path;
    this.channel = channel;
    this.buffers = buffers;
    this.buffer = buffer;
    this.spare = spare;
    this.size = size;
    this.bufferAt = size;
    this.flushed = size;
    // The header is not durable yet: the pack counts as dirty until its first fsync.
    this.synced = 0;
  }

  /**
   * Creates pack {@code id} at {@code path} with its header. The header becomes durable with the
   * pack's first fsync, together with the first records: nothing in the pack is acknowledged before
   * that, and an fsync here, under the append lock, stalled every worker behind the fsync of the
   * pack sealed just before (see {@link BackgroundSeals}).
   */
  static PackWriter create(int id, Path path, WriteBuffers buffers) throws IOException {
    // The buffers first: a writer that cannot have them creates no pack file.
    ByteBuffer buffer = buffers.take();
    ByteBuffer spare = null;
    FileChannel ch = null;
    try {
      spare = buffers.take();
      ch =
          FileChannel.open(
              path,
              // READ too: a pack removed while open is put back from this channel (restoreAt)
              java.util.Set.of(
                  StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE, StandardOpenOption.READ),
              AtomicFiles.privateFile(path));
      ByteBuffer bb = ByteBuffer.wrap(PackFormat.header(id, System.currentTimeMillis()));
      while (bb.hasRemaining()) {
        ch.write(bb);
      }
      PackWriter w = new PackWriter(id, path, ch, PackFormat.HEADER_SIZE, buffers, buffer, spare);
      w.fileKey = Files.readAttributes(path, BasicFileAttributes.class).fileKey();
      return w;
    } catch (IOException | RuntimeException | Error e) {
      buffers.give(buffer);
      buffers.give(spare);
      if (ch != null) {
        // Half a header in a pack nothing will append to: removed, not left for recovery.
        closeAndDelete(ch, path, e);
      }
      throw e;
    }
  }

  /**
   * Gives up on a pack just created, before any record went in: closes it, returns its buffers and
   * deletes the file. Errors doing so are added to {@code failure}, the reason it is given up; a
   * file left behind holds a header at most, and the next start's recovery deletes it.
   */
  void discard(Path path, Throwable failure) {
    buffers.give(buffer);
    buffers.give(spare);
    buffer = null;
    spare = null;
    closeAndDelete(channel, path, failure);
  }

  private static void closeAndDelete(FileChannel ch, Path path, Throwable failure) {
    try {
      ch.close();
    } catch (IOException e) {
      failure.addSuppressed(e);
    }
    try {
      java.nio.file.Files.deleteIfExists(path);
    } catch (IOException e) {
      failure.addSuppressed(e);
    }
  }

  int id() {
    return id;
  }

  /** The pack's length, buffered bytes included. */
  long size() {
    return size;
  }

  /** The length of the part readers can see through their own channel. */
  long flushed() {
    return flushed;
  }

  int records() {
    return records;
  }

  /**
   * Appends one complete record; returns its offset. If this fills the buffer, the full one is left
   * as {@link #unstartedWrite} for the caller to write once it has released the append lock.
   */
  long append(byte[] rec, int off, int len) throws IOException {
    long at = size;
    size += len;
    while (len > 0) {
      if (!buffer.hasRemaining()) {
        rotate();
      }
      int n = Math.min(len, buffer.remaining());
      buffer.put(rec, off, n);
      off += n;
      len -= n;
    }
    records++;
    return at;
  }

  /** The full buffer that nobody has started to write, if any. */
  BufferWrite unstartedWrite() {
    BufferWrite w = inFlight;
    return w != null && w.unstarted() ? w : null;
  }

  /** Hands the full buffer over to be written and takes the spare back. */
  private void rotate() throws IOException {
    awaitInFlight();
    buffer.flip();
    // From its start even if a failed flush wrote part of it: the same bytes at the same offsets.
    bufferWritten = 0;
    inFlight = new BufferWrite(channel, buffer, bufferAt);
    bufferAt += buffer.limit();
    buffer = spare;
    spare = null;
  }

  /** Writes the previous buffer if nobody has started to, or waits for it; then it is the spare. */
  private void awaitInFlight() throws IOException {
    BufferWrite w = inFlight;
    if (w == null) {
      return;
    }
    w.writeOrAwait();
    flushed = w.end();
    spare = w.buffer();
    spare.clear();
    inFlight = null;
  }

  /**
   * Hands every appended byte to the OS, so readers see them; not yet durable. A write that fails
   * part-way (a full disk) leaves the buffer as it was, still taking appends, with what reached the
   * file counted: the next flush writes the rest, at the same offsets.
   */
  void flush() throws IOException {
    awaitInFlight();
    ByteBuffer pending = buffer.duplicate().flip().position(bufferWritten);
    long at = bufferAt + bufferWritten;
    while (pending.hasRemaining()) {
      int n = channel.write(pending, at);
      at += n;
      bufferWritten += n;
      flushed = at;
    }
    buffer.clear();
    bufferAt = at;
    bufferWritten = 0;
    flushed = at;
  }

  /** Whether records were appended since the last fsync. */
  boolean dirty() {
    return synced < size;
  }

  /**
   * Forces what was flushed to disk. Runs without the append lock; if the pack was sealed (and so
   * forced and closed) meanwhile, there is nothing left to do.
   */
  void force() throws IOException {
    long upTo = flushed;
    try {
      channel.force(false);
    } catch (java.nio.channels.ClosedChannelException e) {
      if (!sealed) {
        throw new IOException("pack " + id + " was closed before it was made durable", e);
      }
      return;
    }
    synchronized (this) {
      synced = Math.max(synced, upTo);
    }
  }

  /** Writes the trailer, makes the pack durable and closes it; it is immutable from now on. */
  void seal() throws IOException {
    writeTrailer();
    forceAndClose();
  }

  /**
   * Appends the trailer and hands everything to the OS: the pack is complete and readable, though
   * not yet durable. {@link #forceAndClose} finishes the seal and may run on another thread.
   */
  void writeTrailer() throws IOException {
    byte[] t = PackFormat.trailer(records, size);
    append(t, 0, t.length);
    records--;
    flush();
    // Every byte is with the OS now and nothing appends again: the next pack may have the buffers.
    buffers.give(buffer);
    buffers.give(spare);
    buffer = null;
    spare = null;
  }

  /**
   * Makes the complete pack durable and closes it. A pack removed since {@link PackSet} last looked
   * (between its trailer and this fsync, on the seal thread) is put back first from the channel, or
   * it would be sealed where no name reaches (docs/ADVERSARIAL.md, S6). If that fails, nothing of
   * the pack counts as durable: the failed seal then forgets every record in it.
   */
  void forceAndClose() throws IOException {
    channel.force(false);
    long end = flushed;
    if (!stillAt(path)) {
      try {
        copyTo(path, end);
        AtomicFiles.syncDirectory(path.getParent());
      } catch (IOException | RuntimeException e) {
        synchronized (this) {
          synced = 0;
        }
        throw e;
      }
    }
    synchronized (this) {
      synced = end;
    }
    sealed = true;
    channel.close();
  }

  /** The length known durable: what the last successful fsync covered (0: not even the header). */
  synchronized long synced() {
    return synced;
  }

  /**
   * Gives up on the bytes past the last successful fsync, after an fsync failed. Linux may drop the
   * dirty pages of a failed fsync and report the next one clean, so nothing written since the last
   * good one can be trusted (the PostgreSQL "fsyncgate" lesson): the file is cut back there and
   * sealed, or deleted when not even its header was durable. Returns what became of the file. Best
   * effort: if the disk refuses even that (full: the trailer needs room too), the pack set seals it
   * at a later sync, and recovery on the next open if none came.
   */
  Abandoned abandonAfterFailedSync(Path path) {
    long keep = synced();
    sealed = true;
    try {
      channel.close();
    } catch (IOException e) {
      // already failing; the file is dealt with below
    }
    try {
      if (keep < PackFormat.HEADER_SIZE) {
        java.nio.file.Files.deleteIfExists(path);
        return Abandoned.DELETED;
      }
      CutShortPack.seal(path, id, keep, true);
      return Abandoned.SEALED;
    } catch (IOException e) {
      return Abandoned.UNSEALED;
    }
  }

  /** What {@link #abandonAfterFailedSync} left of the pack's file. */
  enum Abandoned {
    /** Not even its header was durable: the file is gone. */
    DELETED,
    /** Cut back to its last fsync and sealed. */
    SEALED,
    /** Still to be cut back and sealed: the disk refused. */
    UNSEALED
  }

  /**
   * Whether {@code path} still names this pack's file: an operator or a cleaner may remove (or
   * replace) it while it is open, and what is appended after would go to a file no name reaches.
   */
  boolean stillAt(Path path) {
    try {
      Object now =
          Files.readAttributes(path, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS)
              .fileKey();
      return fileKey == null || fileKey.equals(now);
    } catch (IOException e) {
      return false;
    }
  }

  /**
   * Puts this pack's file back at {@code path} after it was removed while open: everything appended
   * so far, read through the channel still open on the removed file, copied to a new file there,
   * sealed and forced. The writer is done afterwards; the next append opens a new pack. Called with
   * appends held off.
   */
  void restoreAt(Path path) throws IOException {
    flush();
    long end = size;
    copyTo(path, end);
    sealed = true;
    channel.close();
    buffers.give(buffer);
    buffers.give(spare);
    buffer = null;
    spare = null;
    CutShortPack.seal(path, id, end, true);
    AtomicFiles.syncDirectory(path.getParent());
    synchronized (this) {
      synced = end;
    }
  }

  /**
   * Gives up after {@link #restoreAt} failed with {@code failure}: closes the channel on the
   * removed file (freeing its space), returns the buffers and deletes the half-written copy. Errors
   * doing so are added to {@code failure}.
   */
  void giveUpRestore(Path path, Throwable failure) {
    sealed = true;
    buffers.give(buffer);
    buffers.give(spare);
    buffer = null;
    spare = null;
    closeAndDelete(channel, AtomicFiles.temporaryOf(path), failure);
  }

  /**
   * Copies the first {@code end} bytes of the pack, read through the channel still open on its
   * removed file, to a new file, made durable, and renames it to {@code path}.
   */
  private void copyTo(Path path, long end) throws IOException {
    Path tmp = AtomicFiles.temporaryOf(path);
    try (FileChannel out =
        FileChannel.open(
            tmp,
            java.util.Set.of(
                StandardOpenOption.CREATE,
                StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING),
            AtomicFiles.privateFile(tmp))) {
      long at = 0;
      while (at < end) {
        at += channel.transferTo(at, end - at, out);
      }
      out.force(false);
    } catch (IOException | RuntimeException e) {
      try {
        Files.deleteIfExists(tmp);
      } catch (IOException suppressed) {
        e.addSuppressed(suppressed);
      }
      throw e;
    }
    Files.move(tmp, path, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
  }

  /** Closes without sealing (used when the store fails to open). */
  void abandon() throws IOException {
    channel.close();
  }
}
