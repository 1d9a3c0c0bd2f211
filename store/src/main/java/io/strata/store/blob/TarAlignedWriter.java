package io.strata.store.blob;

import io.strata.store.engine.ObjectWriter;
import io.strata.store.engine.Recipe;
import io.strata.store.engine.WriteSession;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Stores a stream that is usually a tar (a layer's uncompressed contents) so that each regular
 * file's content is an object of its own, chunked from its first byte, and the bytes between
 * (headers, padding) are objects apart. The chunks of a file are then the chunks the same file has
 * when a layer import stores it (per file, with the same chunker), so a layer blob kept as a gzip
 * recipe and the imported layer share them instead of storing the files twice. The whole stream's
 * recipe is the concatenation of the objects' recipes.
 *
 * <p>Every stream a blob is stored from goes through here (a gzip blob's uncompressed contents, a
 * plain blob, a registry push, containerd's content), so an uncompressed layer tar (a published
 * image's layers, {@code ctr image import}) shares its files' chunks with the image's layer as a
 * gzip one does (docs/ADVERSARIAL.md, AJ4).
 *
 * <p>Parsing only decides where chunks are cut: a stream that is no tar, or a tar this reader does
 * not follow, is stored all the same (as one object from where it got lost), byte for byte; so is a
 * stream that ends within a header block (shorter than 512 bytes, or a truncated tar).
 */
public final class TarAlignedWriter {
  private static final int BLOCK = 512;

  /** PAX headers larger than this are not read for a size (their bytes are stored as they are). */
  private static final int PAX_MAX = 64 << 10;

  private enum State {
    HEADER,
    CONTENT,
    RAW
  }

  private final WriteSession session;
  private ObjectWriter current;
  private boolean currentIsFile;
  private int[] ids = new int[256];
  private int[] lengths = new int[256];
  private int count;
  private int newChunks;
  private long newBytes;
  private final org.roaringbitmap.RoaringBitmap fresh = new org.roaringbitmap.RoaringBitmap();

  private State state = State.HEADER;
  private final byte[] header = new byte[BLOCK];
  private int headerFill;
  private long contentLeft;
  private int paddingLeft;
  private boolean contentIsFile;
  private boolean contentIsPax;
  private byte[] pax;
  private int paxFill;
  private long paxSize = -1;

  /** A writer whose objects are of {@code session}; nothing is stored until bytes come. */
  public TarAlignedWriter(WriteSession session) {
    this.session = session;
  }

  /** Adds {@code len} bytes of the stream. */
  public void write(byte[] b, int off, int len) {
    while (len > 0) {
      int n =
          switch (state) {
            case HEADER -> header(b, off, len);
            case CONTENT -> content(b, off, len);
            case RAW -> {
              segment(b, off, len);
              yield len;
            }
          };
      off += n;
      len -= n;
    }
  }

  private int header(byte[] b, int off, int len) {
    int n = Math.min(len, BLOCK - headerFill);
    System.arraycopy(b, off, header, headerFill, n);
    headerFill += n;
    if (headerFill == BLOCK) {
      headerFill = 0;
      segment(header, 0, BLOCK);
      startEntry();
    }
    return n;
  }

  /** Reads the header just stored: what follows it, and how much. */
  private void startEntry() {
    if (allZero(header) || !checksumMatches(header)) {
      // the end-of-archive blocks, or something this reader does not follow
      state = State.RAW;
      return;
    }
    long size = octal(header, 124, 12);
    if (size < 0) {
      state = State.RAW;
      return;
    }
    byte type = header[156];
    boolean regular = type == '0' || type == 0 || type == '7';
    if (regular && paxSize >= 0) {
      size = paxSize;
    }
    if (type != 'x' && type != 'g') {
      paxSize = -1;
    }
    contentLeft = size;
    paddingLeft = (int) ((BLOCK - size % BLOCK) % BLOCK);
    contentIsFile = regular && size > 0;
    contentIsPax = type == 'x' && size <= PAX_MAX;
    if (contentIsPax) {
      pax = new byte[(int) size];
      paxFill = 0;
    }
    if (contentIsFile) {
      finishCurrent();
      current = session.newUndigestedObject();
      currentIsFile = true;
    }
    state = size + paddingLeft > 0 ? State.CONTENT : State.HEADER;
  }

  private int content(byte[] b, int off, int len) {
    if (contentLeft > 0) {
      int n = (int) Math.min(len, contentLeft);
      if (contentIsFile) {
        current.write(b, off, n);
      } else {
        segment(b, off, n);
      }
      if (contentIsPax) {
        System.arraycopy(b, off, pax, paxFill, n);
        paxFill += n;
      }
      contentLeft -= n;
      if (contentLeft == 0) {
        if (contentIsFile) {
          finishCurrent();
        }
        if (contentIsPax) {
          paxSize = paxSize(pax);
          pax = null;
        }
        if (paddingLeft == 0) {
          state = State.HEADER;
        }
      }
      return n;
    }
    int n = Math.min(len, paddingLeft);
    segment(b, off, n);
    paddingLeft -= n;
    if (paddingLeft == 0) {
      state = State.HEADER;
    }
    return n;
  }

  private void segment(byte[] b, int off, int len) {
    if (current == null || currentIsFile) {
      finishCurrent();
      current = session.newUndigestedObject();
      currentIsFile = false;
    }
    current.write(b, off, len);
  }

  private void finishCurrent() {
    if (current == null) {
      return;
    }
    ObjectWriter.Written w = current.finish();
    current = null;
    Recipe r = w.recipe();
    if (count + r.count() > ids.length) {
      int grown = Math.max(ids.length * 2, count + r.count());
      ids = Arrays.copyOf(ids, grown);
      lengths = Arrays.copyOf(lengths, grown);
    }
    for (int i = 0; i < r.count(); i++) {
      ids[count] = r.id(i);
      lengths[count] = r.length(i);
      count++;
    }
    newChunks += w.newChunks();
    newBytes += w.newBytes();
    fresh.or(w.fresh());
  }

  /** Ends the stream: its chunks in order, and what it added to the store. */
  public ObjectWriter.Written finish() {
    if (state == State.HEADER && headerFill > 0) {
      // the stream ended within what would be a header block: its bytes are content all the same
      segment(header, 0, headerFill);
      headerFill = 0;
    }
    finishCurrent();
    return new ObjectWriter.Written(
        null,
        new Recipe(Arrays.copyOf(ids, count), Arrays.copyOf(lengths, count)),
        newChunks,
        newBytes,
        fresh);
  }

  private static boolean allZero(byte[] b) {
    for (byte x : b) {
      if (x != 0) {
        return false;
      }
    }
    return true;
  }

  private static boolean checksumMatches(byte[] h) {
    long want = octal(h, 148, 8);
    long sum = 0;
    for (int i = 0; i < BLOCK; i++) {
      sum += (i >= 148 && i < 156) ? ' ' : (h[i] & 0xff);
    }
    return want == sum;
  }

  /** An octal field (or GNU base-256 when its first byte has the high bit); -1 if neither. */
  private static long octal(byte[] h, int off, int len) {
    if ((h[off] & 0x80) != 0) {
      long v = h[off] & 0x7f;
      for (int i = 1; i < len; i++) {
        if (v > (Long.MAX_VALUE >> 8)) {
          return -1;
        }
        v = (v << 8) | (h[off + i] & 0xff);
      }
      return v;
    }
    long v = 0;
    boolean digits = false;
    for (int i = off; i < off + len; i++) {
      byte c = h[i];
      if (c == 0 || (c == ' ' && digits)) {
        break;
      }
      if (c == ' ') {
        continue;
      }
      if (c < '0' || c > '7' || v > (Long.MAX_VALUE >> 3)) {
        return -1;
      }
      v = v * 8 + (c - '0');
      digits = true;
    }
    return v;
  }

  /** The {@code size} record of a PAX header, or -1. Records are "LEN key=value\n". */
  private static long paxSize(byte[] p) {
    String text = new String(p, StandardCharsets.UTF_8);
    for (String rec : text.split("\n")) {
      int sp = rec.indexOf(' ');
      if (sp > 0 && rec.startsWith("size=", sp + 1)) {
        try {
          return Long.parseLong(rec.substring(sp + 6));
        } catch (NumberFormatException e) {
          return -1;
        }
      }
    }
    return -1;
  }
}
