package io.strata.store.chunk;

import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;

/**
 * Cuts a stream of bytes, pushed in pieces of any size, into content-defined chunks. Holds at most
 * twice the maximum chunk size, whatever the length of the stream. One splitter serves one object:
 * a new object always starts a new chunk, so equal files deduplicate even when their neighbours
 * differ.
 */
public final class ChunkSplitter {
  /** Receives each chunk (or, in {@link #readFrom}, bytes read); valid only during the call. */
  @FunctionalInterface
  public interface Sink {
    void chunk(byte[] buf, int off, int len);
  }

  private static final int INITIAL = 64 << 10;

  /** The least room {@link #readFrom} asks a stream to fill, so reads stay large. */
  private static final int MIN_READ = 32 << 10;

  private final FastCdc cdc;
  private final Sink sink;
  // Grows to twice the maximum chunk size only for objects that need it: most files are small,
  // and a 512 KiB array per file would be most of what ingest allocates.
  private byte[] buf;
  private int start;
  private int end;
  private long total;

  public ChunkSplitter(FastCdc cdc, Sink sink) {
    this(cdc, sink, new byte[Math.min(INITIAL, 2 * cdc.maxSize())]);
  }

  /**
   * A splitter that starts with {@code window} (of any size; it is replaced by a larger one if the
   * object needs it), so that a caller can reuse windows between objects: see {@link #window}.
   */
  public ChunkSplitter(FastCdc cdc, Sink sink, byte[] window) {
    this.cdc = cdc;
    this.sink = sink;
    this.buf = window;
  }

  /** The window now in use; once the object is finished, the caller may reuse it. */
  public byte[] window() {
    return buf;
  }

  /** Pushes {@code len} bytes of the object. */
  public void write(byte[] src, int off, int len) {
    total += len;
    while (len > 0) {
      makeRoom(1);
      int n = Math.min(len, buf.length - end);
      System.arraycopy(src, off, buf, end, n);
      end += n;
      off += n;
      len -= n;
      cutFullWindows();
    }
  }

  /**
   * Reads the next bytes of the object from {@code in} straight into the window, saving the copy
   * out of a caller's read buffer, and cuts what it can. {@code seen}, if not null, receives the
   * bytes read before they are cut. Returns how many bytes were read, -1 at the end of the stream.
   */
  public int readFrom(InputStream in, Sink seen) throws IOException {
    makeRoom(MIN_READ);
    int n = in.read(buf, end, buf.length - end);
    if (n > 0) {
      if (seen != null) {
        seen.chunk(buf, end, n);
      }
      total += n;
      end += n;
      cutFullWindows();
    }
    return n;
  }

  /** Ends the object: the remaining bytes become its last chunks. */
  public void finish() {
    while (end > start) {
      emit(cdc.cut(buf, start, end - start));
    }
    start = 0;
    end = 0;
  }

  /** Bytes pushed so far. */
  public long total() {
    return total;
  }

  // Cut only with a full window ahead: a boundary found in fewer bytes could move once the rest
  // arrives.
  private void cutFullWindows() {
    while (end - start >= cdc.maxSize()) {
      emit(cdc.cut(buf, start, end - start));
    }
  }

  /** Makes room for at least {@code wanted} bytes after {@code end}, as far as the cap allows. */
  private void makeRoom(int wanted) {
    if (buf.length - end >= wanted) {
      return;
    }
    if (start > 0) {
      compact();
    }
    if (buf.length - end < wanted && buf.length < 2 * cdc.maxSize()) {
      buf = Arrays.copyOf(buf, Math.min(2 * buf.length, 2 * cdc.maxSize()));
    }
  }

  private void emit(int n) {
    sink.chunk(buf, start, n);
    start += n;
  }

  private void compact() {
    System.arraycopy(buf, start, buf, 0, end - start);
    end -= start;
    start = 0;
  }
}
