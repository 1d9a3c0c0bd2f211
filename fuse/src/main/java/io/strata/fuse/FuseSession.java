package io.strata.fuse;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLongArray;
import jnr.ffi.Pointer;

/**
 * One mounted connection: the {@code /dev/fuse} descriptor, mounted with mount(2), and the threads
 * that read its requests, have {@link LowLevelFs} answer them and write the replies. Serving ends
 * when the kernel ends the connection (the mount is gone and its last file closed: a read answers
 * ENODEV); then {@code whenEnded} runs and the descriptor is closed.
 *
 * <p>A killed server closes the descriptor with its process: the kernel aborts the connection and
 * every call on the mount fails with ENOTCONN instead of hanging, until it is detached.
 */
final class FuseSession {
  private static final System.Logger LOG = System.getLogger(FuseSession.class.getName());

  /**
   * Reader threads per mount. Two: a snapshot's view answers reads (lookups, attributes, listings,
   * file bytes) on both at once, and while a change holds its write lock both wait for it. More
   * have not been measured (the development machine has two cores).
   */
  static final int THREADS = 2;

  /**
   * One buffer per thread holds a request and then its reply: every answer reads all of its request
   * before it writes the reply, so the two never need the bytes at once. It must hold the largest
   * WRITE (header, write_in, data), which the kernel checks before it hands over any request.
   */
  private static final int BUFFER = LowLevelFs.MAX_IO + 4096;

  private final LowLevelFs fs;
  private final int fd;
  private final Path mountPoint;
  private final AtomicLongArray counts = new AtomicLongArray(Wire.MAX_OPCODE + 1);
  private final CountDownLatch ended;
  private final List<Thread> threads = new ArrayList<>();

  private FuseSession(LowLevelFs fs, int fd, Path mountPoint, Runnable whenEnded) {
    this.fs = fs;
    this.fd = fd;
    this.mountPoint = mountPoint;
    this.ended = new CountDownLatch(THREADS);
    Thread closer =
        new Thread(
            () -> {
              try {
                ended.await();
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
              try {
                fs.ended();
                whenEnded.run();
              } finally {
                FuseDevice.close(fd);
              }
            },
            "strata-fuse-end " + mountPoint);
    closer.setDaemon(true);
    closer.start();
  }

  /**
   * Mounts {@code fs} at {@code mountPoint} and starts serving it; {@code whenEnded} runs once the
   * kernel ends the connection. Throws when FUSE is missing, this process is not root, or the
   * kernel refuses the mount.
   */
  static FuseSession mount(
      LowLevelFs fs, Path mountPoint, boolean setuidAndDevices, Runnable whenEnded)
      throws IOException {
    FuseDevice.require();
    int fd = FuseDevice.open();
    try {
      FuseDevice.mount(
          fd, mountPoint, "strata", fs.readOnly(), setuidAndDevices, LowLevelFs.MAX_IO);
    } catch (IOException | RuntimeException e) {
      FuseDevice.close(fd);
      throw e;
    }
    FuseSession s = new FuseSession(fs, fd, mountPoint, whenEnded);
    for (int i = 0; i < THREADS; i++) {
      Thread t = new Thread(s::serve, "strata-fuse " + mountPoint + " #" + i);
      t.setDaemon(true);
      s.threads.add(t);
    }
    s.threads.forEach(Thread::start);
    return s;
  }

  /** How many requests of {@code opcode} this mount has received. */
  long requests(int opcode) {
    return counts.get(opcode);
  }

  private void serve() {
    try {
      FuseDevice.LibC c = FuseDevice.libc();
      ByteBuffer buffer = ByteBuffer.allocateDirect(BUFFER);
      Pointer at = FuseDevice.pointer(buffer);
      FuseRequest q = new FuseRequest(buffer);
      FuseReply r = new FuseReply(buffer.duplicate());
      while (true) {
        long n = c.read(fd, at, BUFFER);
        if (n < 0) {
          int errno = FuseDevice.lastError(c);
          if (errno == FuseDevice.EINTR
              || errno == FuseDevice.EAGAIN
              || errno == FuseDevice.ENOENT) {
            continue; // interrupted, or a request the kernel withdrew
          }
          if (errno != FuseDevice.ENODEV) {
            LOG.log(
                System.Logger.Level.WARNING,
                "mount {0}: reading /dev/fuse: {1}",
                mountPoint,
                c.strerror(errno));
          }
          return;
        }
        if (!q.decode((int) n)) {
          continue;
        }
        if (q.opcode >= 0 && q.opcode <= Wire.MAX_OPCODE) {
          counts.incrementAndGet(q.opcode);
        }
        boolean reply;
        try {
          reply = fs.handle(q, r);
        } catch (Throwable t) {
          // The answer itself failed (the heap ran out while it was made or logged): the request
          // still gets one, or the process that made it waits in the kernel for good, and this
          // thread goes on serving once memory is free again.
          r.error(q.unique, t instanceof OutOfMemoryError ? Errno.ENOMEM : Errno.EIO);
          reply = q.opcode != Wire.FORGET && q.opcode != Wire.BATCH_FORGET;
        }
        if (!reply) {
          continue;
        }
        r.done();
        long w = c.write(fd, at, r.buf.position());
        if (w < 0) {
          int errno = FuseDevice.lastError(c);
          if (errno == FuseDevice.ENODEV) {
            return;
          }
          // ENOENT: the request was interrupted and is gone; nothing else is expected.
          if (errno != FuseDevice.ENOENT) {
            LOG.log(
                System.Logger.Level.WARNING,
                "mount {0}: answering {1}: {2}",
                mountPoint,
                Wire.name(q.opcode),
                c.strerror(errno));
          }
        }
      }
    } catch (IOException | RuntimeException | Error e) {
      LOG.log(System.Logger.Level.ERROR, "mount {0}: serving stopped: {1}", mountPoint, e);
    } finally {
      ended.countDown();
    }
  }
}
