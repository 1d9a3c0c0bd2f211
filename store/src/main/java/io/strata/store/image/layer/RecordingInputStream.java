package io.strata.store.image.layer;

import io.strata.files.pax.PaxXattrs;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;
import java.util.Map;

/**
 * Sits under the tar parser and sees every byte of the uncompressed layer: it counts them and hands
 * those read outside file content to the tar-split as segments. {@link #skip} reads, so skipped
 * bytes (padding) are recorded too; mark is unsupported so the parser never re-reads.
 */
final class RecordingInputStream extends FilterInputStream {
  private final TarSplitWriter split;
  private boolean content;
  private long size;

  /** The non-content bytes read since {@link #startEntry}, up to {@link #HEADER_CAP}. */
  private byte[] header = new byte[4096];

  private int headerLength;

  /** Header bytes kept per entry: PAX headers beyond this are parsed without exact xattrs. */
  private static final int HEADER_CAP = 1 << 20;

  /** Told the bytes read so far after every read, to refuse a layer past its limits. */
  interface SizeCheck {
    void check(long size);
  }

  private final SizeCheck sizeCheck;

  RecordingInputStream(InputStream in, TarSplitWriter split, SizeCheck sizeCheck) {
    super(in);
    this.split = split;
    this.sizeCheck = sizeCheck;
  }

  /** Whether the bytes read from now on are file content (kept in the snapshot, not the split). */
  void content(boolean on) {
    content = on;
  }

  /** Bytes read so far. */
  long size() {
    return size;
  }

  @Override
  public int read() throws IOException {
    byte[] one = new byte[1];
    return read(one, 0, 1) < 0 ? -1 : one[0] & 0xFF;
  }

  @Override
  public int read(byte[] b, int off, int len) throws IOException {
    int n = in.read(b, off, len);
    if (n > 0) {
      size += n;
      sizeCheck.check(size);
      if (!content) {
        split.segment(b, off, n);
        keepHeader(b, off, n);
      }
    }
    return n;
  }

  @Override
  public long skip(long n) throws IOException {
    byte[] buf = new byte[(int) Math.min(n, 64 << 10)];
    long done = 0;
    while (done < n) {
      int got = read(buf, 0, (int) Math.min(buf.length, n - done));
      if (got < 0) {
        break;
      }
      done += got;
    }
    return done;
  }

  @Override
  public boolean markSupported() {
    return false;
  }

  @Override
  public synchronized void mark(int limit) {}

  @Override
  public synchronized void reset() throws IOException {
    throw new IOException("mark/reset not supported");
  }

  private void keepHeader(byte[] b, int off, int n) {
    int room = HEADER_CAP - headerLength;
    int take = Math.min(room, n);
    if (take <= 0) {
      return;
    }
    if (headerLength + take > header.length) {
      header =
          Arrays.copyOf(
              header, Math.min(HEADER_CAP, Math.max(header.length * 2, headerLength + take)));
    }
    System.arraycopy(b, off, header, headerLength, take);
    headerLength += take;
  }

  /** The parser is about to read the next entry's headers: forget the previous ones. */
  void startEntry() {
    headerLength = 0;
  }

  /**
   * The exact values of the {@code SCHILY.xattr.*} records in the headers read since {@link
   * #startEntry}: the current entry's.
   */
  Map<String, byte[]> xattrs() {
    return PaxXattrs.scan(header, headerLength);
  }

  /** Reads what is left (trailing zeros after the end-of-archive blocks). */
  void drain() throws IOException {
    byte[] buf = new byte[64 << 10];
    while (read(buf, 0, buf.length) >= 0) {
      // recorded by read
    }
  }

  /** A view of this stream whose reads count as file content. */
  InputStream contentOf(InputStream tarEntry) {
    return new FilterInputStream(tarEntry) {
      @Override
      public int read(byte[] b, int off, int len) throws IOException {
        content(true);
        try {
          return in.read(b, off, len);
        } finally {
          content(false);
        }
      }

      @Override
      public int read() throws IOException {
        byte[] one = new byte[1];
        return read(one, 0, 1) < 0 ? -1 : one[0] & 0xFF;
      }

      @Override
      public void close() {
        // the tar stream stays open
      }
    };
  }
}
