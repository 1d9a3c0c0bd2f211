package io.strata.server.registry;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.stream.ChunkedInput;
import io.strata.store.digest.Digest;
import io.strata.store.error.CorruptDataException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.FileChannel;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.zip.CRC32C;

/**
 * Bytes {@code [offset, offset + length)} of a {@link BlobCache} copy, for the channel to pull,
 * none handed over unchecked. The copy is read in whole blocks of {@link #BLOCK} bytes. A copy
 * whose block sums are known has each block checked against its CRC32C; otherwise only the whole
 * blob can be read, and its SHA-256 is checked before the last block is handed over, the blocks'
 * sums kept for later reads once it matches. A mismatch drops the copy ({@link BlobCache#damaged})
 * and fails the read with a {@link CorruptDataException}: a client sees a failed transfer, never a
 * complete wrong body. The first piece is read when the body is opened, before any answer.
 */
final class CachedCopyBody implements ChunkedInput<ByteBuf> {
  /** The bytes each sum covers, and the most one read hands over. */
  static final int BLOCK = 64 << 10;

  private final BlobCache cache;
  private final BlobCache.Copy copy;
  private final FileChannel file;
  private final long total;
  private final long offset;
  private final long end;
  private final int[] sums;
  // a whole read of a copy without sums: the sums it finds and the digest it checks
  private final int[] found;
  private final MessageDigest sha;
  private long next;
  private long progress;
  private ByteBuf first;

  private CachedCopyBody(
      BlobCache cache,
      BlobCache.Copy copy,
      int[] sums,
      FileChannel file,
      long total,
      long offset,
      long end) {
    this.cache = cache;
    this.copy = copy;
    this.file = file;
    this.total = total;
    this.offset = offset;
    this.end = end;
    this.sums = sums;
    this.found = sums == null ? new int[blocks(total)] : null;
    this.sha = sums == null ? Digest.newSha256() : null;
    this.next = offset / BLOCK * BLOCK;
  }

  /**
   * Opens bytes {@code [offset, offset + length)} of {@code copy} of a blob of {@code total} bytes
   * and reads the first piece. Throws {@link CorruptDataException} (the copy dropped) when that
   * piece fails its check, and {@link IOException} when the copy is gone (evicted), or when a range
   * is asked of a copy whose sums are not known (dropped since they were looked at).
   */
  static CachedCopyBody open(
      BlobCache cache, BlobCache.Copy copy, long total, long offset, long length)
      throws IOException {
    int[] sums = cache.sums(copy);
    if (sums == null && (offset != 0 || length != total)) {
      throw new IOException("blob " + copy.digest() + ": its cached copy is not checked");
    }
    FileChannel f = FileChannel.open(copy.file(), StandardOpenOption.READ);
    CachedCopyBody b = new CachedCopyBody(cache, copy, sums, f, total, offset, offset + length);
    try {
      if (length > 0) {
        b.first = b.read(ByteBufAllocator.DEFAULT);
      }
    } catch (IOException | RuntimeException e) {
      b.close();
      throw e;
    }
    return b;
  }

  /**
   * Reads all of {@code copy} (whose sums are not known) to check its digest and keep its sums;
   * returns false (the copy dropped) when it does not match, or the file is gone.
   */
  static boolean check(BlobCache cache, BlobCache.Copy copy, long total) {
    CachedCopyBody b;
    try {
      b = open(cache, copy, total, 0, total);
    } catch (IOException | RuntimeException e) {
      return false;
    }
    try {
      while (!b.isEndOfInput()) {
        b.readChunk(ByteBufAllocator.DEFAULT).release();
      }
      return true;
    } catch (IOException | RuntimeException e) {
      return false;
    } finally {
      b.close();
    }
  }

  /** These bytes as a stream, checked as they are read. */
  InputStream stream() {
    return new InputStream() {
      private ByteBuf piece;

      @Override
      public int read() throws IOException {
        byte[] one = new byte[1];
        return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
      }

      @Override
      public int read(byte[] b, int off, int len) throws IOException {
        while (piece == null || !piece.isReadable()) {
          if (piece != null) {
            piece.release();
          }
          piece = readChunk(ByteBufAllocator.DEFAULT);
          if (piece == null) {
            return -1;
          }
        }
        int n = Math.min(len, piece.readableBytes());
        piece.readBytes(b, off, n);
        return n;
      }

      @Override
      public void close() {
        if (piece != null) {
          piece.release();
          piece = null;
        }
        CachedCopyBody.this.close();
      }
    };
  }

  @Override
  public boolean isEndOfInput() {
    return first == null && next >= end;
  }

  @Override
  public void close() {
    if (first != null) {
      first.release();
      first = null;
    }
    try {
      file.close();
    } catch (IOException e) {
      // read only: nothing is lost
    }
  }

  @Deprecated
  @Override
  public ByteBuf readChunk(ChannelHandlerContext ctx) throws IOException {
    return readChunk(ctx.alloc());
  }

  @Override
  public ByteBuf readChunk(ByteBufAllocator allocator) throws IOException {
    if (first != null) {
      ByteBuf b = first;
      first = null;
      return b;
    }
    return next >= end ? null : read(allocator);
  }

  @Override
  public long length() {
    return end - offset;
  }

  @Override
  public long progress() {
    return progress;
  }

  /** The next block, checked, less what lies outside the range. */
  private ByteBuf read(ByteBufAllocator allocator) throws IOException {
    long start = next;
    int n = (int) Math.min(BLOCK, total - start);
    ByteBuf buf = allocator.ioBuffer(n);
    try {
      while (buf.readableBytes() < n) {
        int r = buf.writeBytes(file, start + buf.readableBytes(), n - buf.readableBytes());
        if (r < 0) {
          throw damaged("it ends at byte " + (start + buf.readableBytes()) + " of " + total);
        }
      }
      CRC32C crc = new CRC32C();
      crc.update(buf.nioBuffer());
      int sum = (int) crc.getValue();
      int block = (int) (start / BLOCK);
      if (sums != null && sums[block] != sum) {
        throw damaged("block " + block + " (bytes " + start + "+" + n + ") fails its CRC32C");
      }
      next = start + n;
      if (sha != null) {
        found[block] = sum;
        sha.update(buf.nioBuffer());
        if (next == total) {
          Digest got = Digest.of(sha.digest());
          if (!got.equals(copy.digest())) {
            throw damaged("its bytes have digest " + got);
          }
          cache.verified(copy, found);
        }
      }
      int from = (int) Math.max(0, offset - start);
      int to = (int) Math.min(n, end - start);
      buf.setIndex(from, to);
      progress += to - from;
      return buf;
    } catch (IOException | RuntimeException e) {
      buf.release();
      throw e;
    }
  }

  private CorruptDataException damaged(String why) {
    cache.damaged(copy, why);
    return new CorruptDataException(
        "blob " + copy.digest() + ": its cached copy " + copy.file() + " is damaged: " + why,
        copy.digest().toString());
  }

  private static int blocks(long size) {
    return (int) ((size + BLOCK - 1) / BLOCK);
  }
}
