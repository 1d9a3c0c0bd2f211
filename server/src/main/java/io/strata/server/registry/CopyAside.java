package io.strata.server.registry;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/**
 * A blob's bytes on their way to a client, written aside into the blob cache's new copy as they
 * pass. The copy is for later pulls only: when writing it fails (the disk filled up), it is given
 * up and the read goes on, since the client's pull must not fail for a cache (docs/ADVERSARIAL.md,
 * T1). {@link #copied} says whether the copy holds every byte read.
 */
final class CopyAside extends FilterInputStream {
  private OutputStream copy;
  private boolean failed;

  CopyAside(InputStream source, OutputStream copy) {
    super(source);
    this.copy = copy;
    this.failed = copy == null;
  }

  /** {@code source}, copied into a new file {@code file}; without a copy when it cannot be made. */
  static CopyAside toFile(InputStream source, java.nio.file.Path file) {
    OutputStream out;
    try {
      out = io.strata.store.disk.AtomicFiles.newPrivateOutputStream(file);
    } catch (IOException e) {
      out = null; // a full disk: the pull goes on without a copy
    }
    return new CopyAside(source, out);
  }

  @Override
  public int read() throws IOException {
    int b = super.read();
    if (b >= 0) {
      aside(new byte[] {(byte) b}, 0, 1);
    }
    return b;
  }

  @Override
  public int read(byte[] b, int off, int len) throws IOException {
    int n = super.read(b, off, len);
    if (n > 0) {
      aside(b, off, n);
    }
    return n;
  }

  /** Skipped bytes would leave a hole in the copy: read them instead. */
  @Override
  public long skip(long n) throws IOException {
    byte[] buf = new byte[(int) Math.min(n, 64 << 10)];
    int got = read(buf, 0, buf.length);
    return Math.max(got, 0);
  }

  private void aside(byte[] b, int off, int len) {
    if (copy == null) {
      return;
    }
    try {
      copy.write(b, off, len);
    } catch (IOException e) {
      failed = true;
      closeCopy();
    }
  }

  /** Whether the copy got every byte read so far and is closed: false once it failed. */
  boolean copied() {
    return !failed;
  }

  @Override
  public void close() throws IOException {
    try {
      closeCopy();
    } finally {
      super.close();
    }
  }

  private void closeCopy() {
    if (copy == null) {
      return;
    }
    try {
      copy.close();
    } catch (IOException e) {
      failed = true; // its last bytes may not have reached the file
    }
    copy = null;
  }
}
