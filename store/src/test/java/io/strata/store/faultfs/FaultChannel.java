package io.strata.store.faultfs;

import io.strata.store.faultfs.Node.DirNode;
import io.strata.store.faultfs.Node.FileNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.NonReadableChannelException;
import java.nio.channels.NonWritableChannelException;
import java.nio.channels.OverlappingFileLockException;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;

/**
 * A channel on a simulated file or directory. Every call takes the disk's lock, numbers itself
 * through {@link SimulatedDisk#enter} and so can be failed. A channel opened before a power cut
 * fails every call afterwards with EIO, as a handle to a disk that went away would.
 */
final class FaultChannel extends FileChannel {
  private final SimulatedDisk disk;
  private final Node node;
  private final String path;
  private final boolean readable;
  private final boolean writable;
  private final boolean append;
  private final long epoch;
  private long position;

  FaultChannel(
      SimulatedDisk disk,
      Node node,
      String path,
      boolean readable,
      boolean writable,
      boolean append) {
    this.disk = disk;
    this.node = node;
    this.path = path;
    this.readable = readable;
    this.writable = writable;
    this.append = append;
    this.epoch = disk.epoch();
  }

  /** Checks the channel is usable and numbers the call. */
  private FileNode enter(OpKind kind) throws IOException {
    if (!isOpen()) {
      throw new ClosedChannelException();
    }
    if (disk.epoch() != epoch) {
      throw IoError.EIO.exception(path, false);
    }
    disk.enter(kind, path, false);
    if (node instanceof FileNode f) {
      return f;
    }
    if (kind == OpKind.FORCE || kind == OpKind.DIR_SYNC) {
      return null;
    }
    throw new IOException("Is a directory");
  }

  private void checkOpen() throws IOException {
    if (!isOpen()) {
      throw new ClosedChannelException();
    }
    if (disk.epoch() != epoch) {
      throw IoError.EIO.exception(path, false);
    }
  }

  @Override
  public int read(ByteBuffer dst) throws IOException {
    synchronized (disk) {
      int n = read(dst, position);
      if (n > 0) {
        position += n;
      }
      return n;
    }
  }

  @Override
  public long read(ByteBuffer[] dsts, int offset, int length) throws IOException {
    long total = 0;
    for (int i = offset; i < offset + length; i++) {
      int n = read(dsts[i]);
      if (n < 0) {
        return total == 0 ? -1 : total;
      }
      total += n;
      if (dsts[i].hasRemaining()) {
        break;
      }
    }
    return total;
  }

  @Override
  public int read(ByteBuffer dst, long pos) throws IOException {
    if (!readable) {
      throw new NonReadableChannelException();
    }
    synchronized (disk) {
      FileNode f = enter(OpKind.READ);
      if (pos >= f.size) {
        return -1;
      }
      int n = (int) Math.min(dst.remaining(), f.size - pos);
      dst.put(f.data, (int) pos, n);
      return n;
    }
  }

  @Override
  public int write(ByteBuffer src) throws IOException {
    synchronized (disk) {
      if (append) {
        checkOpen();
        position = ((FileNode) node).size;
      }
      int n = write(src, position);
      position += n;
      return n;
    }
  }

  @Override
  public long write(ByteBuffer[] srcs, int offset, int length) throws IOException {
    long total = 0;
    for (int i = offset; i < offset + length; i++) {
      total += write(srcs[i]);
      if (srcs[i].hasRemaining()) {
        break;
      }
    }
    return total;
  }

  @Override
  public int write(ByteBuffer src, long pos) throws IOException {
    if (!writable) {
      throw new NonWritableChannelException();
    }
    synchronized (disk) {
      FileNode f = enter(OpKind.WRITE);
      return disk.write(f, pos, src);
    }
  }

  @Override
  public long position() throws IOException {
    checkOpen();
    synchronized (disk) {
      return position;
    }
  }

  @Override
  public FileChannel position(long newPosition) throws IOException {
    checkOpen();
    synchronized (disk) {
      position = newPosition;
    }
    return this;
  }

  @Override
  public long size() throws IOException {
    synchronized (disk) {
      checkOpen();
      return node instanceof FileNode f ? f.size : 0;
    }
  }

  @Override
  public FileChannel truncate(long size) throws IOException {
    if (!writable) {
      throw new NonWritableChannelException();
    }
    synchronized (disk) {
      checkOpen();
      // As the JDK does: no system call unless the file gets shorter.
      if (node instanceof FileNode f && size < f.size) {
        enter(OpKind.TRUNCATE);
        disk.truncate(f, size);
      }
      position = Math.min(position, size);
    }
    return this;
  }

  @Override
  public void force(boolean metaData) throws IOException {
    synchronized (disk) {
      if (node instanceof DirNode d) {
        enter(OpKind.DIR_SYNC);
        disk.syncDirectory(d);
      } else {
        disk.force(enter(OpKind.FORCE));
      }
    }
  }

  @Override
  public long transferTo(long pos, long count, WritableByteChannel target) throws IOException {
    ByteBuffer bb = ByteBuffer.allocate((int) Math.min(count, 1 << 16));
    long done = 0;
    while (done < count) {
      bb.clear().limit((int) Math.min(bb.capacity(), count - done));
      int n = read(bb, pos + done);
      if (n <= 0) {
        break;
      }
      bb.flip();
      while (bb.hasRemaining()) {
        target.write(bb);
      }
      done += n;
    }
    return done;
  }

  @Override
  public long transferFrom(ReadableByteChannel src, long pos, long count) throws IOException {
    ByteBuffer bb = ByteBuffer.allocate((int) Math.min(count, 1 << 16));
    long done = 0;
    while (done < count) {
      bb.clear().limit((int) Math.min(bb.capacity(), count - done));
      int n = src.read(bb);
      if (n <= 0) {
        break;
      }
      bb.flip();
      while (bb.hasRemaining()) {
        done += write(bb, pos + done);
      }
    }
    return done;
  }

  @Override
  public MappedByteBuffer map(MapMode mode, long pos, long size) {
    throw new UnsupportedOperationException("the fault file system does not map files");
  }

  @Override
  public FileLock lock(long pos, long size, boolean shared) throws IOException {
    FileLock l = tryLock(pos, size, shared);
    if (l == null) {
      throw new OverlappingFileLockException();
    }
    return l;
  }

  @Override
  public FileLock tryLock(long pos, long size, boolean shared) throws IOException {
    synchronized (disk) {
      FileNode f = enter(OpKind.LOOKUP);
      if (f.lock != null && f.lock.isValid()) {
        // One JVM holds every lock here, and the JDK reports an overlap within a JVM this way.
        throw new OverlappingFileLockException();
      }
      f.lock = new FaultLock(this, pos, size, shared);
      return f.lock;
    }
  }

  @Override
  protected void implCloseChannel() {
    synchronized (disk) {
      if (node instanceof FileNode f && f.lock != null && f.lock.channel() == this) {
        f.lock = null;
      }
    }
  }

  /** A whole-file lock; valid until released, its channel closes or the power is cut. */
  static final class FaultLock extends FileLock {
    private volatile boolean valid = true;

    FaultLock(FaultChannel channel, long position, long size, boolean shared) {
      super(channel, position, size, shared);
    }

    @Override
    public boolean isValid() {
      FaultChannel ch = (FaultChannel) channel();
      return valid && ch.isOpen() && ch.disk.epoch() == ch.epoch;
    }

    @Override
    public void release() {
      valid = false;
      FaultChannel ch = (FaultChannel) channel();
      synchronized (ch.disk) {
        if (ch.node instanceof FileNode f && f.lock == this) {
          f.lock = null;
        }
      }
    }
  }
}
