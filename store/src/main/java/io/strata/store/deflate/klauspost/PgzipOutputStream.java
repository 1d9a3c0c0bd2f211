package io.strata.store.deflate.klauspost;

import io.strata.store.deflate.GoGzipOutputStream;
import io.strata.store.deflate.GzipMemberOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.zip.CRC32;

/**
 * A gzip member as klauspost/pgzip 1.2.5 writes it: the input cut into blocks of {@code blockSize}
 * bytes (1 MiB by default, what containers/image uses), each compressed by a {@link
 * KlauspostDeflater} of its own primed with the last {@link #TAIL} bytes of the block before and
 * ended by a sync flush, the last block (possibly empty) also closed; then CRC-32 and length. Since
 * each block depends only on its input and its tail, blocks can be compressed apart ({@link
 * #block}); this stream does them one after the other, holding one block.
 */
public final class PgzipOutputStream extends GzipMemberOutputStream {
  /** pgzip's default block size. */
  public static final int DEFAULT_BLOCK_SIZE = 1 << 20;

  /** Bytes of the block before each block is primed with. */
  public static final int TAIL = 16384;

  private final OutputStream out;
  private final int level;
  private final byte[] block;
  private int blockLength;
  private byte[] tail;
  private final CRC32 crc = new CRC32();
  private long size;
  private boolean closed;

  public PgzipOutputStream(OutputStream out, int level, byte[] header, int blockSize)
      throws IOException {
    if (blockSize <= TAIL) {
      throw new IllegalArgumentException("pgzip block size " + blockSize + " ≤ " + TAIL);
    }
    if (!KlauspostDeflater.supported(level)) {
      throw new IllegalArgumentException("klauspost flate level " + level + " is not supported");
    }
    this.out = out;
    this.level = level;
    this.block = new byte[blockSize];
    out.write(header);
  }

  @Override
  public void write(byte[] b, int off, int len) throws IOException {
    crc.update(b, off, len);
    size += len;
    while (len > 0) {
      int n = Math.min(len, block.length - blockLength);
      System.arraycopy(b, off, block, blockLength, n);
      blockLength += n;
      off += n;
      len -= n;
      if (blockLength == block.length) {
        compressBlock(false);
      }
    }
  }

  private void compressBlock(boolean last) throws IOException {
    out.write(block(level, tail, block, 0, blockLength, last));
    // pgzip keeps a tail only from a block longer than it
    tail =
        blockLength > TAIL
            ? java.util.Arrays.copyOfRange(block, blockLength - TAIL, blockLength)
            : null;
    blockLength = 0;
  }

  /**
   * One pgzip block's deflate bytes: {@code in[off..off+len)} compressed at {@code level} after
   * {@code tail} (null for none), sync-flushed, and closed when it is the {@code last}.
   */
  public static byte[] block(int level, byte[] tail, byte[] in, int off, int len, boolean last) {
    ByteArrayOutputStream buf = new ByteArrayOutputStream(len / 2 + 64);
    try {
      KlauspostDeflater d = new KlauspostDeflater(buf, level);
      d.dictionary(tail == null ? new byte[0] : tail, 0, tail == null ? 0 : tail.length);
      d.write(in, off, len);
      d.flush();
      if (last) {
        d.finish();
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return buf.toByteArray();
  }

  @Override
  public void finish() throws IOException {
    if (closed) {
      return;
    }
    closed = true;
    compressBlock(true);
    out.write(GoGzipOutputStream.trailer(crc.getValue(), size));
  }

  @Override
  public void close() throws IOException {
    finish();
    out.close();
  }
}
