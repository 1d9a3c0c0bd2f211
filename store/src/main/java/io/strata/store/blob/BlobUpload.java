package io.strata.store.blob;

import io.strata.store.digest.Digest;
import io.strata.store.disk.AtomicFiles;
import io.strata.store.disk.DiskFull;
import io.strata.store.engine.StopSignal;
import io.strata.store.error.StorageFullException;
import io.strata.store.gzip.GzipRecipes;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;

/**
 * A blob put ({@code strata blob put}) whose bytes arrive in pieces. Its first three bytes decide
 * how it is stored, as a registry push decides: a gzip stream is spooled to a file of the data
 * root's {@code tmp} (its digest taken on the way) and stored at {@link #commit} as the registry's
 * job stores a pushed gzip layer ({@link BlobService#putFileOnce}: its uncompressed contents and a
 * recipe when a known compressor replays it, else whole; nothing written when the blob is held
 * already); any other blob streams into a {@link BlobWriter}, cut where tar files start and end.
 * Memory stays bounded either way. {@link #close} without a commit keeps nothing.
 */
public final class BlobUpload implements AutoCloseable {
  private static final int MAGIC = 3;
  private static final String SPOOL_PREFIX = "blob-put-";
  private static final System.Logger LOG = System.getLogger(BlobUpload.class.getName());

  private final BlobService blobs;
  private final Path tmp;
  private final StopSignal stop = new StopSignal();
  private final byte[] head = new byte[MAGIC];
  private int headLength;
  // exactly one of these is set once the first bytes have decided
  private BlobWriter streamed;
  private Path spool;
  private OutputStream spoolOut;
  private MessageDigest spoolSha;
  private boolean done;

  BlobUpload(BlobService blobs, Path tmp) {
    this.blobs = blobs;
    this.tmp = tmp;
  }

  /** Adds {@code len} bytes of the blob. */
  public void write(byte[] b, int off, int len) throws IOException {
    if (headLength < MAGIC) {
      int n = Math.min(len, MAGIC - headLength);
      System.arraycopy(b, off, head, headLength, n);
      headLength += n;
      off += n;
      len -= n;
      if (headLength < MAGIC) {
        return;
      }
      decide();
    }
    if (len > 0) {
      pass(b, off, len);
    }
  }

  /** Chooses the blob's way by its first bytes and hands them on. */
  private void decide() throws IOException {
    if (GzipRecipes.startsGzip(head, headLength)) {
      AtomicFiles.createPrivateDirectories(tmp);
      spool = Files.createTempFile(tmp, SPOOL_PREFIX, ".gz");
      spoolOut = new BufferedOutputStream(AtomicFiles.newPrivateOutputStream(spool), 1 << 16);
      spoolSha = Digest.newSha256();
    } else {
      streamed = blobs.create();
    }
    pass(head, 0, headLength);
  }

  private void pass(byte[] b, int off, int len) throws IOException {
    if (streamed != null) {
      streamed.write(b, off, len);
      return;
    }
    spoolSha.update(b, off, len);
    try {
      spoolOut.write(b, off, len);
    } catch (IOException e) {
      throw fullDisk(e);
    }
  }

  /**
   * Stores the blob durably and names it by its digest; returns what it cost. A gzip blob is stored
   * here, from its spool, which is then deleted.
   */
  public PutResult commit() throws IOException {
    if (streamed == null && spool == null) {
      decide();
    }
    if (streamed != null) {
      done = true;
      return streamed.commit();
    }
    try {
      spoolOut.close();
    } catch (IOException e) {
      throw fullDisk(e);
    }
    try {
      return blobs.putFileOnce(spool, Digest.of(spoolSha.digest()), BlobService.Owner.USER, stop);
    } finally {
      close();
    }
  }

  /**
   * Asks a {@link #commit} at work on a gzip blob to stop at its next read of the spool (the client
   * cancelled); it then throws {@link StopSignal.Stopped}, keeping nothing.
   */
  public void cancel(String why) {
    stop.raise(why);
  }

  /**
   * A full disk met by the spool, said to be the data root's: once the failed put deletes the
   * spool, the disk has room again and the OS's words name no file.
   */
  private IOException fullDisk(IOException e) {
    if (!DiskFull.causedBy(e)) {
      return e;
    }
    throw new StorageFullException(
        "blob put: spool " + spool + ": the data root's disk is full", e);
  }

  /** Discards the put unless it was committed; deletes the spool. */
  @Override
  public void close() throws IOException {
    if (done) {
      return;
    }
    done = true;
    if (streamed != null) {
      streamed.close();
    }
    if (spool != null) {
      try {
        spoolOut.close();
      } catch (IOException e) {
        // the spool goes anyway; the put's own failure is the one to report
        LOG.log(System.Logger.Level.DEBUG, "closing spool {0}: {1}", spool, e.toString());
      }
      Files.deleteIfExists(spool);
    }
  }
}
