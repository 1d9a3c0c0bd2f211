package io.strata.store.deflate;

import java.io.IOException;
import java.io.OutputStream;
import java.util.zip.CRC32;

/**
 * A gzip member as Go's {@code compress/gzip} Writer writes it: the given header bytes, a {@link
 * GoDeflater} stream at the given level, then CRC-32 and length. The header is passed whole so that
 * whatever a tool put there (modification time, OS byte, name, extra field) comes back unchanged;
 * {@link #goHeader} is the one Go writes by default.
 */
public final class GoGzipOutputStream extends GzipMemberOutputStream {
  private final OutputStream out;
  private final GoDeflater deflater;
  private final CRC32 crc = new CRC32();
  private long size;
  private boolean closed;

  public GoGzipOutputStream(OutputStream out, int level, byte[] header) throws IOException {
    this.out = out;
    this.deflater = new GoDeflater(out, level);
    out.write(header);
  }

  /** Records the deflate stream's checkpoints ({@link GoDeflater#recordCheckpoints}). */
  public void recordCheckpoints(long every, java.util.function.Consumer<DeflateCheckpoint> sink) {
    deflater.recordCheckpoints(every, sink);
  }

  /**
   * The 10 header bytes Go writes when the caller sets no field: no flags, mtime 0, XFL 2 for level
   * 9 and 4 for level 1, OS 255 (unknown).
   */
  public static byte[] goHeader(int level) {
    int xfl = level == GoDeflater.BEST_COMPRESSION ? 2 : level == GoDeflater.BEST_SPEED ? 4 : 0;
    return new byte[] {0x1f, (byte) 0x8b, 8, 0, 0, 0, 0, 0, (byte) xfl, (byte) 0xff};
  }

  @Override
  public void write(byte[] b, int off, int len) throws IOException {
    crc.update(b, off, len);
    size += len;
    deflater.write(b, off, len);
  }

  @Override
  public void finish() throws IOException {
    if (closed) {
      return;
    }
    closed = true;
    deflater.finish();
    out.write(trailer(crc.getValue(), size));
  }

  /** A gzip member's last 8 bytes: the CRC-32 of its contents and their length mod 2^32. */
  public static byte[] trailer(long crc, long size) {
    int c = (int) crc;
    int s = (int) size;
    return new byte[] {
      (byte) c,
      (byte) (c >>> 8),
      (byte) (c >>> 16),
      (byte) (c >>> 24),
      (byte) s,
      (byte) (s >>> 8),
      (byte) (s >>> 16),
      (byte) (s >>> 24)
    };
  }

  @Override
  public void close() throws IOException {
    finish();
    out.close();
  }
}
