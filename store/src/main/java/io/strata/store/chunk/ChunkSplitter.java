package io.strata.store.chunk;

/**
 * Cuts a stream of bytes, pushed in pieces of any size, into content-defined chunks. Holds at most
 * twice the maximum chunk size, whatever the length of the stream. One splitter serves one object:
 * a new object always starts a new chunk, so equal files deduplicate even when their neighbours
 * differ.
 */
public final class ChunkSplitter {
  /** Receives each chunk; the bytes are valid only during the call. */
  @FunctionalInterface
  public interface Sink {
    void chunk(byte[] buf, int off, int len);
  }

  private static final int INITIAL = 64 << 10;

  private final FastCdc cdc;
  private final Sink sink;
  // Grows to twice the maximum chunk size only for objects that need it: most files are small,
  // and a 512 KiB array per file would be most of what ingest allocates.
  private byte[] buf;
  private int start;
  private int end;
  private long total;

  public ChunkSplitter(FastCdc cdc, Sink sink) {
    this.cdc = cdc;
    this.sink = sink;
    this.buf = new byte[Math.min(INITIAL, 2 * cdc.maxSize())];
  }

  /** Pushes {@code len} bytes of the object. */
  public void write(byte[] src, int off, int len) {
    total += len;
    while (len > 0) {
      if (end == buf.length) {
        if (start > 0) {
          compact();
        } else {
          buf = java.util.Arrays.copyOf(buf, Math.min(2 * buf.length, 2 * cdc.maxSize()));
        }
      }
      int n = Math.min(len, buf.length - end);
      System.arraycopy(src, off, buf, end, n);
      end += n;
      off += n;
      len -= n;
      // Cut only with a full window ahead: a boundary found in fewer bytes could move once the
      // rest arrives.
      while (end - start >= cdc.maxSize()) {
        emit(cdc.cut(buf, start, end - start));
      }
    }
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
