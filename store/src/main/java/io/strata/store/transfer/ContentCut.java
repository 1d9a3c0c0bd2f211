package io.strata.store.transfer;

import io.strata.store.chunk.ChunkSplitter;
import io.strata.store.chunk.ChunkerParams;
import io.strata.store.chunk.FastCdc;
import io.strata.store.error.InvalidArgumentException;
import java.io.IOException;
import java.io.InputStream;

/**
 * How a store cuts the content of files it stores: content-defined chunks (btrfs extents) or
 * fixed-size records (a zfs dataset's {@code recordsize}). A sender cuts the files of a plan the
 * way the receiver would, so that the receiver finds in its own index every chunk it already holds.
 */
public sealed interface ContentCut {
  /** FastCDC with these sizes; every file starts a new chunk. */
  record Cdc(ChunkerParams params) implements ContentCut {
    @Override
    public String text() {
      return "cdc:" + params.min() + "/" + params.avg() + "/" + params.max();
    }
  }

  /** Records of {@code size} bytes from the start of each file; the last one may be shorter. */
  record Records(int size) implements ContentCut {
    public Records {
      if (size < 512 || size > ChunkerParams.MAX_CHUNK || Integer.bitCount(size) != 1) {
        throw new InvalidArgumentException(
            "record size "
                + size
                + " is not a power of two from 512 to "
                + ChunkerParams.MAX_CHUNK);
      }
    }

    @Override
    public String text() {
      return "records:" + size;
    }
  }

  /** The cut as text: {@code cdc:MIN/AVG/MAX} or {@code records:SIZE}, as {@link #parse} reads. */
  String text();

  /** Reads {@link #text}; throws {@link InvalidArgumentException} naming the text otherwise. */
  static ContentCut parse(String text) {
    try {
      if (text.startsWith("cdc:")) {
        String[] p = text.substring(4).split("/", -1);
        if (p.length == 3) {
          return new Cdc(
              new ChunkerParams(
                  Integer.parseInt(p[0]), Integer.parseInt(p[1]), Integer.parseInt(p[2])));
        }
      } else if (text.startsWith("records:")) {
        return new Records(Integer.parseInt(text.substring(8)));
      }
    } catch (IllegalArgumentException e) {
      throw new InvalidArgumentException("content cut " + text + ": " + e.getMessage());
    }
    throw new InvalidArgumentException(
        "content cut " + text + " is not cdc:MIN/AVG/MAX or records:SIZE");
  }

  /** Cuts all of {@code in} (one file) and hands each piece to {@code sink}, in order. */
  default void cut(InputStream in, ChunkSplitter.Sink sink) throws IOException {
    if (this instanceof Cdc c) {
      ChunkSplitter s = new ChunkSplitter(new FastCdc(c.params()), sink);
      while (s.readFrom(in, null) >= 0) {
        // cut as it reads
      }
      s.finish();
    } else {
      byte[] buf = new byte[((Records) this).size()];
      int n;
      while ((n = in.readNBytes(buf, 0, buf.length)) > 0) {
        sink.chunk(buf, 0, n);
      }
    }
  }
}
