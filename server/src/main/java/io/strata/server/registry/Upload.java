package io.strata.server.registry;

import io.netty.buffer.ByteBuf;
import io.strata.store.digest.Digest;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One blob upload in progress: its bytes spooled to a file under the data root's {@code tmp}, and
 * their SHA-256 kept running so the final PUT knows the digest before anything enters the store. A
 * request that appends may fail half way (a client lying about its range, a dropped connection);
 * {@link #rollBack} then returns the upload to where that request found it, so the client can
 * resume from the offset it is told. Touched by one request at a time.
 *
 * <p>The spool is open only while a request appends to it: opened by the first append after a
 * {@link #claim}, closed by {@link #release} and {@link #rollBack}. An upload waiting for its next
 * request holds no descriptor, only its size and running SHA-256 in memory, so abandoned uploads
 * cannot use up the process's open-file limit (docs/ADVERSARIAL.md, R1).
 *
 * <p>Every {@link #FLUSH_EVERY} bytes the spool is flushed to disk in the background: the final PUT
 * of a gzip layer forces the spool before answering (it becomes the staged blob), and what was
 * flushed as it arrived is not written then, so the PUT pays for the tail instead of the whole
 * blob. The same bytes go to disk either way. A flush opens the spool itself, for as long as it
 * runs, one at a time.
 */
final class Upload {
  /** Spool bytes received between two background flushes. */
  static final long FLUSH_EVERY = 8 << 20;

  private final String id;
  private final String repo;
  private final Path file;
  // open only while a request appends (null otherwise)
  private FileChannel channel;
  private boolean deleted;
  private MessageDigest sha;
  private long size;
  private volatile long lastUsed;
  private boolean busy;
  // where the request in progress started
  private long markSize;
  private MessageDigest markSha;
  // null: no background flushes
  private final Executor flusher;
  private final AtomicBoolean flushing = new AtomicBoolean();
  private long flushAsked;

  /** {@code flusher}: where background flushes run (null: none). */
  Upload(String id, String repo, Path file, long now, Executor flusher) throws IOException {
    this.id = id;
    this.flusher = flusher;
    this.repo = repo;
    this.file = file;
    io.strata.store.disk.AtomicFiles.createPrivateFile(file);
    this.sha = Digest.newSha256();
    this.lastUsed = now;
  }

  String id() {
    return id;
  }

  String repo() {
    return repo;
  }

  Path file() {
    return file;
  }

  /** Bytes received so far. */
  synchronized long size() {
    return size;
  }

  long lastUsed() {
    return lastUsed;
  }

  /** Claims the upload for one request; false when another request holds it. */
  synchronized boolean claim(long now) {
    if (busy) {
      return false;
    }
    busy = true;
    lastUsed = now;
    markSize = size;
    try {
      markSha = (MessageDigest) sha.clone();
    } catch (CloneNotSupportedException e) {
      throw new IllegalStateException("SHA-256 cannot be cloned", e);
    }
    return true;
  }

  synchronized boolean busy() {
    return busy;
  }

  /** Bytes the current request appended. */
  synchronized long appended() {
    return size - markSize;
  }

  /** Whether the current request found the upload empty (its first bytes are this request's). */
  synchronized boolean startedEmpty() {
    return markSize == 0;
  }

  /** Appends {@code buf}'s readable bytes, opening the spool for the request if need be. */
  synchronized void append(ByteBuf buf, long now) throws IOException {
    if (deleted) {
      throw new IOException("upload " + id + ": ended meanwhile");
    }
    if (channel == null) {
      channel = FileChannel.open(file, StandardOpenOption.WRITE);
    }
    int n = buf.readableBytes();
    java.nio.ByteBuffer[] parts = buf.nioBuffers(buf.readerIndex(), n);
    for (java.nio.ByteBuffer p : parts) {
      sha.update(p.duplicate());
      long at = size;
      while (p.hasRemaining()) {
        at += channel.write(p, at);
      }
      size = at;
    }
    lastUsed = now;
    if (flusher != null
        && size - flushAsked >= FLUSH_EVERY
        && flushing.compareAndSet(false, true)) {
      flushAsked = size;
      try {
        flusher.execute(this::flush);
      } catch (RejectedExecutionException e) {
        flushing.set(false); // stopping
      }
    }
  }

  /**
   * Forces the spool through a descriptor of its own: the request's channel may be closed at its
   * end, and closing a channel waits for a force running on it.
   */
  private void flush() {
    try (FileChannel f = FileChannel.open(file, StandardOpenOption.WRITE)) {
      f.force(false);
    } catch (IOException e) {
      // deleted meanwhile, or failing: the final PUT's own force is what reports a failure
    } finally {
      flushing.set(false);
    }
  }

  /** The digest of everything received; the upload may go on after. */
  synchronized Digest digest() {
    try {
      return Digest.of(((MessageDigest) sha.clone()).digest());
    } catch (CloneNotSupportedException e) {
      throw new IllegalStateException("SHA-256 cannot be cloned", e);
    }
  }

  /** Ends the current request, keeping what it appended. */
  synchronized void release(long now) {
    busy = false;
    lastUsed = now;
    closeSpool();
  }

  /** Ends the current request, dropping what it appended. */
  synchronized void rollBack(long now) throws IOException {
    if (busy && !deleted) {
      try {
        // no channel: the request appended nothing
        if (channel != null) {
          channel.truncate(markSize);
        }
      } finally {
        closeSpool();
      }
      size = markSize;
      sha = markSha;
      busy = false;
    }
    lastUsed = now;
  }

  /** Closes and deletes the spool. */
  synchronized void delete() {
    deleted = true;
    closeSpool();
    try {
      Files.deleteIfExists(file);
    } catch (IOException e) {
      System.getLogger(Upload.class.getName())
          .log(System.Logger.Level.WARNING, "upload {0}: cannot delete {1}: {2}", id, file, e);
    }
  }

  /** Whether the spool is open (a request is appending). */
  synchronized boolean open() {
    return channel != null;
  }

  private void closeSpool() {
    if (channel == null) {
      return;
    }
    try {
      channel.close();
    } catch (IOException e) {
      // written through the page cache: the final PUT's force reports what failed
    } finally {
      channel = null;
    }
  }
}
