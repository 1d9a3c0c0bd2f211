package io.strata.server.op;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;

/**
 * An upload written to a {@link Spool}; at its end the spool goes to the next step, which owns it
 * from then on (and deletes it when done). A failed or cancelled upload deletes it.
 */
final class SpoolSink implements UploadSink {
  private static final System.Logger LOG = System.getLogger(SpoolSink.class.getName());

  /** What happens to a complete upload. */
  @FunctionalInterface
  interface Next {
    /** Takes {@code spool} over (closing it when done) and says how the request goes on. */
    Outcome accept(Spool spool) throws IOException;
  }

  private final Spool spool;
  private final OutputStream out;
  private final Next next;

  SpoolSink(Spool spool, Next next) throws IOException {
    this.spool = spool;
    this.out =
        new BufferedOutputStream(
            io.strata.store.disk.AtomicFiles.newPrivateOutputStream(spool.file()), 1 << 16);
    this.next = next;
  }

  @Override
  public void write(byte[] b, int off, int len) throws IOException {
    try {
      out.write(b, off, len);
    } catch (IOException e) {
      throw fullDisk(e);
    }
  }

  /**
   * A full disk met by the spool, said to be the data root's while that is known: the request's
   * failure deletes the spool, after which the disk has room again and the OS's words name no file.
   */
  private IOException fullDisk(IOException e) {
    if (!io.strata.store.disk.DiskFull.causedBy(e)) {
      return e;
    }
    throw new io.strata.store.error.StorageFullException(
        "spool " + spool.file() + ": the data root's disk is full", e);
  }

  @Override
  public Outcome finish() throws IOException {
    try {
      try {
        out.close();
      } catch (IOException e) {
        throw fullDisk(e);
      }
      return next.accept(spool);
    } catch (IOException | RuntimeException e) {
      delete();
      throw e;
    }
  }

  @Override
  public void cancelRequested() {
    spool.stop().raise("the client cancelled");
  }

  @Override
  public void abort() {
    try {
      out.close();
    } catch (IOException e) {
      LOG.log(System.Logger.Level.DEBUG, "closing spool {0}: {1}", spool.file(), e.toString());
    }
    delete();
  }

  /**
   * Deletes the spool; a failure is logged, since the request's own failure is the one to report.
   */
  private void delete() {
    try {
      spool.close();
    } catch (IOException e) {
      LOG.log(System.Logger.Level.WARNING, "spool {0} cannot be deleted: {1}", spool.file(), e);
    }
  }
}
