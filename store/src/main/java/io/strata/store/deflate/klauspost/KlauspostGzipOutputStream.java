package io.strata.store.deflate.klauspost;

import io.strata.store.deflate.GoGzipOutputStream;
import io.strata.store.deflate.GzipMemberOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.util.zip.CRC32;

/**
 * A gzip member as klauspost/compress 1.15's {@code gzip.Writer} writes it: the given header bytes,
 * one {@link KlauspostDeflater} stream, CRC-32 and length. {@link #header} is the header it writes
 * when the caller sets no field (its zero modification time is written as {@code
 * uint32(time.Time{}.Unix())}, 0x886e0900, where Go's standard library writes 0).
 */
public final class KlauspostGzipOutputStream extends GzipMemberOutputStream {
  private final OutputStream out;
  private final KlauspostDeflater deflater;
  private final CRC32 crc = new CRC32();
  private long size;
  private boolean closed;

  public KlauspostGzipOutputStream(OutputStream out, int level, byte[] header) throws IOException {
    this.out = out;
    this.deflater = new KlauspostDeflater(out, level);
    out.write(header);
  }

  /** The 10 bytes klauspost's gzip and pgzip write by default at {@code level}. */
  public static byte[] header(int level) {
    int xfl = level == 9 ? 2 : level == KlauspostDeflater.BEST_SPEED ? 4 : 0;
    return new byte[] {
      0x1f, (byte) 0x8b, 8, 0, 0x00, 0x09, 0x6e, (byte) 0x88, (byte) xfl, (byte) 0xff
    };
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
    out.write(GoGzipOutputStream.trailer(crc.getValue(), size));
  }

  @Override
  public void close() throws IOException {
    finish();
    out.close();
  }
}
