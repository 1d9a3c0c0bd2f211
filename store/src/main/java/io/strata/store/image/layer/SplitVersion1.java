package io.strata.store.image.layer;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * A tar-split read as version 1's bytes, record by record as they are read: what a transfer sends
 * for a layer whose stored split is version 2 ({@link CanonicalSplit}), since its receiver builds
 * the layer's tree from the tar and has none to regenerate headers from. Memory holds one record.
 */
final class SplitVersion1 extends InputStream {
  private final TarSplitReader split;
  private byte[] head = TarSplitWriter.MAGIC;
  private int headAt;
  private long segmentLeft;
  private long tarSize;
  private int files;
  private boolean ended;

  SplitVersion1(TarSplitReader split) {
    this.split = split;
  }

  @Override
  public int read() throws IOException {
    byte[] one = new byte[1];
    return read(one, 0, 1) < 0 ? -1 : one[0] & 0xFF;
  }

  @Override
  public int read(byte[] b, int off, int len) throws IOException {
    if (len == 0) {
      return 0;
    }
    while (headAt == head.length && segmentLeft == 0) {
      if (ended) {
        return -1;
      }
      advance();
    }
    if (headAt < head.length) {
      int n = Math.min(len, head.length - headAt);
      System.arraycopy(head, headAt, b, off, n);
      headAt += n;
      return n;
    }
    int n = split.segmentBytes().read(b, off, (int) Math.min(len, segmentLeft));
    if (n < 0) {
      throw new EOFException("tar-split segment cut short");
    }
    segmentLeft -= n;
    return n;
  }

  /** Puts the next record's head (and, for a segment, its length to copy) in place. */
  private void advance() throws IOException {
    ByteBuffer b;
    switch (split.next()) {
      case SEGMENT -> {
        b = ByteBuffer.allocate(5).put(TarSplitWriter.SEGMENT).putInt((int) split.size());
        segmentLeft = split.size();
        tarSize += split.size();
      }
      case FILE -> {
        byte[] name = split.path().getBytes(StandardCharsets.UTF_8);
        if (split.offset() == 0) {
          b = ByteBuffer.allocate(1 + 8 + 2 + name.length).put(TarSplitWriter.FILE);
        } else {
          b = ByteBuffer.allocate(1 + 8 + 8 + 2 + name.length).put(TarSplitWriter.RANGE);
          b.putLong(split.offset());
        }
        b.putLong(split.size()).putShort((short) name.length).put(name);
        files++;
        tarSize += split.size();
      }
      default -> {
        b = ByteBuffer.allocate(1 + 8 + 4).put(TarSplitWriter.END).putLong(tarSize).putInt(files);
        ended = true;
      }
    }
    head = b.array();
    headAt = 0;
  }

  @Override
  public void close() throws IOException {
    split.close();
  }
}
