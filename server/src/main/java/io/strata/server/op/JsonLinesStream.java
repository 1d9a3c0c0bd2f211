package io.strata.server.op;

import io.strata.protocol.message.Json;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.util.Iterator;

/**
 * A listing as a byte stream of JSON lines, serialized one item at a time as it is read, so a long
 * listing never exists as one buffer.
 */
final class JsonLinesStream extends InputStream {
  private final Iterator<?> items;
  private final Closeable source;
  private byte[] line = new byte[0];
  private int pos;
  private long count;

  JsonLinesStream(Iterator<?> items) {
    this(items, null);
  }

  /** The lines of {@code items}; closing the stream closes {@code source} (null: nothing). */
  JsonLinesStream(Iterator<?> items, Closeable source) {
    this.items = items;
    this.source = source;
  }

  @Override
  public void close() throws IOException {
    if (source != null) {
      source.close();
    }
  }

  /** Lines produced so far; the total once the stream is exhausted. */
  long count() {
    return count;
  }

  @Override
  public int read() {
    byte[] one = new byte[1];
    return read(one, 0, 1) < 0 ? -1 : one[0] & 0xFF;
  }

  @Override
  public int read(byte[] b, int off, int len) {
    if (len == 0) {
      return 0;
    }
    if (pos == line.length) {
      if (!items.hasNext()) {
        return -1;
      }
      byte[] json = Json.write(items.next());
      line = new byte[json.length + 1];
      System.arraycopy(json, 0, line, 0, json.length);
      line[json.length] = '\n';
      pos = 0;
      count++;
    }
    int n = Math.min(len, line.length - pos);
    System.arraycopy(line, pos, b, off, n);
    pos += n;
    return n;
  }
}
