package io.strata.store.image.layer;

import com.github.luben.zstd.EndDirective;
import com.github.luben.zstd.ZstdCompressCtx;
import com.github.luben.zstd.ZstdInputStream;
import io.strata.store.digest.Digest;
import io.strata.store.error.CorruptDataException;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * How a zstd layer blob is made again, byte for byte, from its layer's tar: compressed by the zstd
 * library Strata carries (zstd-jni) at {@code level}, with the frame's checksum and content-size
 * flags as the blob has them. libzstd is deterministic for one version and one set of parameters,
 * so this reproduces blobs that library wrote (Strata's own zstd exports; tools linking the same
 * libzstd), not those of other versions or of Go's klauspost/compress (skopeo, buildkit), which are
 * kept whole instead ({@code ArchiveImport.keptWhole}).
 *
 * @param level the zstd level
 * @param checksum whether the frame ends with a content checksum
 * @param contentSize whether the frame header holds the content size
 */
public record ZstdRecipe(int level, boolean checksum, boolean contentSize) {
  /** Compressed bytes a level must reproduce before it is worth a full replay. */
  private static final long PREFIX_OUTPUT = 128 << 10;

  /** Uncompressed bytes a prefix trial reads at most. */
  private static final long PREFIX_INPUT = 16L << 20;

  /** Full replays tried at most per blob. */
  private static final int MAX_REPLAYS = 2;

  private static final int PIECE = 64 << 10;

  /** Where the blob's bytes come from, opened once per pass. */
  public interface Source {
    InputStream open() throws IOException;
  }

  public String encode() {
    return level + ":" + (checksum ? 1 : 0) + ":" + (contentSize ? 1 : 0);
  }

  public static ZstdRecipe decode(String s, String what) {
    String[] p = s == null ? new String[0] : s.split(":");
    try {
      if (p.length == 3) {
        return new ZstdRecipe(Integer.parseInt(p[0]), p[1].equals("1"), p[2].equals("1"));
      }
    } catch (NumberFormatException e) {
      // refused below
    }
    throw new CorruptDataException(what + ": unreadable zstd recipe " + s, what);
  }

  /**
   * The recipe that reproduces the zstd blob {@code blob} (whose uncompressed length is {@code
   * size}), every byte compared; null when it is no single libzstd frame Strata can reproduce.
   */
  public static ZstdRecipe find(Source blob, long size) throws IOException {
    byte[] head;
    try (InputStream in = blob.open()) {
      head = in.readNBytes(5);
    }
    if (head.length < 5
        || (head[0] & 0xff) != 0x28
        || (head[1] & 0xff) != 0xb5
        || (head[2] & 0xff) != 0x2f
        || (head[3] & 0xff) != 0xfd) {
      return null;
    }
    int fhd = head[4] & 0xff;
    if ((fhd & 3) != 0) {
      return null; // a dictionary: not ours
    }
    boolean checksum = (fhd & 4) != 0;
    boolean contentSize = (fhd >> 6) != 0 || (fhd & 0x20) != 0;
    int replays = 0;
    for (int level : levels()) {
      ZstdRecipe r = new ZstdRecipe(level, checksum, contentSize);
      if (!r.matches(blob, size, true)) {
        continue;
      }
      if (r.matches(blob, size, false)) {
        return r;
      }
      if (++replays == MAX_REPLAYS) {
        return null;
      }
    }
    return null;
  }

  /** Strata's own level first (its exports), then zstd's default, then the others. */
  private static List<Integer> levels() {
    Set<Integer> order = new LinkedHashSet<>();
    order.add(LayerCodec.ZSTD_LEVEL);
    order.add(3);
    for (int l = 1; l <= 19; l++) {
      order.add(l);
    }
    return new ArrayList<>(order);
  }

  /**
   * Whether this recipe regenerates {@code blob} from its own decompressed bytes: its beginning
   * only ({@code prefix}), or all of it and nothing more.
   */
  private boolean matches(Source blob, long size, boolean prefix) throws IOException {
    try (InputStream plain = new ZstdInputStream(new BufferedInputStream(blob.open(), PIECE));
        InputStream expected = new BufferedInputStream(blob.open(), PIECE);
        Comparing cmp = new Comparing(expected);
        Compressing z = new Compressing(cmp, size)) {
      byte[] buf = new byte[PIECE];
      long read = 0;
      int n;
      while ((n = plain.read(buf)) >= 0) {
        z.write(buf, 0, n);
        read += n;
        if (prefix && (cmp.matched >= PREFIX_OUTPUT || read >= PREFIX_INPUT)) {
          return true;
        }
      }
      z.finish();
      return expected.read() < 0;
    } catch (Mismatch | com.github.luben.zstd.ZstdIOException e) {
      return false;
    }
  }

  /**
   * The blob regenerated from {@code tar} ({@code size} bytes), its SHA-256 checked against {@code
   * digest} before its last bytes are given out.
   */
  public InputStream regenerate(InputStream tar, long size, Digest digest, String what)
      throws IOException {
    return new Regenerated(tar, size, digest, what);
  }

  /** The regenerated bytes stopped matching. */
  private static final class Mismatch extends IOException {
    private static final long serialVersionUID = 1L;

    Mismatch() {
      super("regenerated zstd bytes differ");
    }
  }

  /** Compares what is written with the next bytes of {@code expected}. */
  private static final class Comparing extends OutputStream {
    private final InputStream expected;
    private final byte[] buf = new byte[PIECE];
    long matched;

    Comparing(InputStream expected) {
      this.expected = expected;
    }

    @Override
    public void write(int b) throws IOException {
      write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      while (len > 0) {
        int n = expected.readNBytes(buf, 0, Math.min(len, buf.length));
        if (n == 0 || java.util.Arrays.mismatch(b, off, off + n, buf, 0, n) >= 0) {
          throw new Mismatch();
        }
        matched += n;
        off += n;
        len -= n;
      }
    }
  }

  /** A zstd frame of this recipe, written to {@code out} as the input comes. */
  private final class Compressing extends OutputStream {
    private final OutputStream out;
    private final ZstdCompressCtx ctx = new ZstdCompressCtx();
    private final ByteBuffer dst = ByteBuffer.allocate(PIECE * 2);
    private boolean finished;

    Compressing(OutputStream out, long size) {
      this.out = out;
      ctx.setLevel(level);
      ctx.setChecksum(checksum);
      ctx.setContentSize(contentSize);
      if (contentSize) {
        ctx.setPledgedSrcSize(size);
      }
    }

    @Override
    public void write(int b) throws IOException {
      write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      ByteBuffer src = ByteBuffer.wrap(b, off, len);
      while (src.hasRemaining()) {
        ctx.compressByteBufferStream(dst, src, EndDirective.CONTINUE);
        drain();
      }
    }

    /** Ends the frame. */
    void finish() throws IOException {
      if (finished) {
        return;
      }
      finished = true;
      ByteBuffer none = ByteBuffer.allocate(0);
      boolean done;
      do {
        done = ctx.compressByteBufferStream(dst, none, EndDirective.END);
        drain();
      } while (!done);
    }

    private void drain() throws IOException {
      if (dst.position() > 0) {
        out.write(dst.array(), 0, dst.position());
        dst.clear();
      }
    }

    @Override
    public void close() {
      ctx.close();
    }
  }

  /** The regenerated blob as a stream, hashed as it goes and checked at its end. */
  private final class Regenerated extends InputStream {
    private final InputStream tar;
    private final Digest digest;
    private final String what;
    private final MessageDigest sha = Digest.newSha256();
    private final Compressing z;
    private final byte[] in = new byte[PIECE];
    private byte[] pending = new byte[0];
    private int start;
    private boolean ended;

    Regenerated(InputStream tar, long size, Digest digest, String what) {
      this.tar = tar;
      this.digest = digest;
      this.what = what;
      this.z =
          new Compressing(
              new OutputStream() {
                @Override
                public void write(int b) {
                  write(new byte[] {(byte) b}, 0, 1);
                }

                @Override
                public void write(byte[] b, int off, int len) {
                  byte[] p = new byte[pending.length - start + len];
                  System.arraycopy(pending, start, p, 0, pending.length - start);
                  System.arraycopy(b, off, p, pending.length - start, len);
                  pending = p;
                  start = 0;
                  sha.update(b, off, len);
                }
              },
              size);
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
      while (start == pending.length) {
        if (ended) {
          return -1;
        }
        int n = tar.read(in);
        if (n > 0) {
          z.write(in, 0, n);
        } else if (n < 0) {
          z.finish();
          ended = true;
          Digest got = Digest.of(sha.digest());
          if (!got.equals(digest)) {
            pending = new byte[0];
            start = 0;
            throw new CorruptDataException(
                what + ": regenerated with zstd:" + level + " it has digest " + got, what);
          }
        }
      }
      int n = Math.min(len, pending.length - start);
      System.arraycopy(pending, start, b, off, n);
      start += n;
      return n;
    }

    @Override
    public void close() throws IOException {
      z.close();
      tar.close();
    }
  }
}
