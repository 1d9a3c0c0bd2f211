package io.strata.store.gzip;

import io.strata.store.deflate.GzipMemberOutputStream;
import io.strata.store.digest.Digest;
import io.strata.store.error.CorruptDataException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.security.MessageDigest;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * A gzip blob regenerated from its uncompressed contents and its recipe, as it is read: memory is
 * the compressor's window and the bytes one piece of input yields. The last bytes are given out
 * only once the whole blob hashed to its digest and has its length, so a reader never receives a
 * complete blob that is not the one stored.
 */
public final class RegeneratedGzipInputStream extends InputStream {
  private static final int PIECE = 64 << 10;
  private static final int READ_AHEAD = 1 << 20;

  /** Daemon threads that read contents ahead of the regenerating reader. */
  private static final ExecutorService READERS =
      Executors.newCachedThreadPool(
          r -> {
            Thread t = new Thread(r, "strata-gzip-read-ahead");
            t.setDaemon(true);
            return t;
          });

  private final InputStream uncompressed;
  private final GzipRecipe recipe;
  private final Digest digest;
  private final String name;
  private final MessageDigest sha = Digest.newSha256();
  private final Pending pending = new Pending();
  private final GzipMemberOutputStream gz;
  // non-null when the blob is regenerated in parts side by side: a Go stream's segments between
  // its recipe's checkpoints, or pgzip's blocks
  private final Regeneration segments;
  private final byte[] in = new byte[PIECE];
  private long produced;
  private boolean ended;
  // > 0 for a read from a checkpoint: the blob byte the first one produced is
  private final long offset;

  /** Output of the compressor not yet read, hashed as it is produced. */
  private final class Pending extends OutputStream {
    private byte[] buf = new byte[PIECE * 2];
    private int start;
    private int end;

    @Override
    public void write(int b) {
      write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) {
      if (end + len > buf.length) {
        if (end - start + len > buf.length) {
          buf = java.util.Arrays.copyOf(buf, Math.max(buf.length * 2, end - start + len));
        }
        System.arraycopy(buf, start, buf, 0, end - start);
        end -= start;
        start = 0;
      }
      System.arraycopy(b, off, buf, end, len);
      end += len;
      sha.update(b, off, len);
      produced += len;
    }
  }

  /**
   * @param uncompressed the blob's uncompressed contents, closed with this stream
   * @param name how errors name the blob
   */
  public RegeneratedGzipInputStream(
      InputStream uncompressed, GzipRecipe recipe, Digest digest, String name) throws IOException {
    this(uncompressed, recipe, digest, name, 0);
  }

  /**
   * The blob from byte {@code offset} on (a {@code Range} read). A recipe with checkpoints starts
   * compressing at the last one before {@code offset}; such a read is checked for its length only,
   * not for the whole blob's digest, which needs every byte (the checkpoints were proved when the
   * recipe was made, and every chunk read is checked against its own hash). Other recipes
   * regenerate from the start and skip to {@code offset}, checked as a whole read is.
   *
   * @param uncompressed the blob's uncompressed contents from their start, closed with this stream
   */
  public RegeneratedGzipInputStream(
      InputStream uncompressed, GzipRecipe recipe, Digest digest, String name, long offset)
      throws IOException {
    // the chunks are read (and decompressed, and checked) on another thread, ahead of the deflate
    this.uncompressed = ReadAhead.of(uncompressed, READ_AHEAD, READERS);
    this.recipe = recipe;
    this.digest = digest;
    this.name = name;
    boolean fromCheckpoint =
        offset > 0
            && ParallelRegeneration.applies(recipe)
            && ParallelRegeneration.firstSegment(recipe, offset) > 0;
    this.offset = fromCheckpoint ? offset : 0;
    if (fromCheckpoint) {
      this.segments = new ParallelRegeneration(this.uncompressed, recipe, pending, name, offset);
      this.gz = null;
    } else if (ParallelRegeneration.applies(recipe)) {
      this.segments = new ParallelRegeneration(this.uncompressed, recipe, pending, name);
      this.gz = null;
    } else if (PgzipRegeneration.applies(recipe)) {
      this.segments = new PgzipRegeneration(this.uncompressed, recipe, pending, name);
      this.gz = null;
    } else {
      this.segments = null;
      this.gz = recipe.writer(pending);
    }
    if (!fromCheckpoint && offset > 0) {
      skipNBytes(offset);
    }
  }

  @Override
  public int read() throws IOException {
    byte[] one = new byte[1];
    return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
  }

  @Override
  public int read(byte[] b, int off, int len) throws IOException {
    if (len == 0) {
      return 0;
    }
    while (pending.start == pending.end) {
      if (ended) {
        return -1;
      }
      fill();
    }
    int n = Math.min(len, pending.end - pending.start);
    System.arraycopy(pending.buf, pending.start, b, off, n);
    pending.start += n;
    return n;
  }

  /**
   * The regenerated bytes ready to read. Readers size their reads by it (Netty's ChunkedStream cuts
   * its HTTP chunks to it), so it must not stay 0 while bytes are ready.
   */
  @Override
  public int available() {
    return pending.end - pending.start;
  }

  private void fill() throws IOException {
    if (segments != null) {
      // the step that writes the trailer is checked before any of its bytes are read
      if (!segments.step() || segments.ended()) {
        verify();
      }
      return;
    }
    int n = uncompressed.read(in, 0, in.length);
    if (n > 0) {
      gz.write(in, 0, n);
      return;
    }
    if (n == 0) {
      return;
    }
    gz.finish();
    verify();
  }

  private void verify() {
    ended = true;
    if (offset > 0) {
      if (offset + produced != recipe.size()) {
        pending.start = pending.end;
        throw new CorruptDataException(
            name
                + ": regenerated with "
                + recipe.label()
                + " from byte "
                + offset
                + " it has "
                + (offset + produced)
                + " bytes, not "
                + recipe.size(),
            name);
      }
      return;
    }
    Digest got = Digest.of(sha.digest());
    if (!got.equals(digest) || produced != recipe.size()) {
      pending.start = pending.end;
      throw new CorruptDataException(
          name
              + ": regenerated with "
              + recipe.label()
              + " it has digest "
              + got
              + " and "
              + produced
              + " bytes, not "
              + digest
              + " and "
              + recipe.size(),
          name);
    }
  }

  @Override
  public void close() throws IOException {
    if (segments != null) {
      segments.close();
    }
    uncompressed.close();
  }
}
