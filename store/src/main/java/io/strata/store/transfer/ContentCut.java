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
  /**
   * The finest cut a sender accepts (4 KiB, zfs's smallest recordsize): a finer one, which no store
   * uses, would only make plans huge.
   */
  int MIN_SIZE = 4096;

  /** FastCDC with these sizes; every file starts a new chunk. */
  record Cdc(ChunkerParams params) implements ContentCut {
    public Cdc {
      if (params.avg() < MIN_SIZE) {
        throw new InvalidArgumentException(
            "content-defined chunks averaging " + params.avg() + " bytes: at least " + MIN_SIZE);
      }
    }

    @Override
    public String text() {
      return "cdc:" + params.min() + "/" + params.avg() + "/" + params.max();
    }
  }

  /** Records of {@code size} bytes from the start of each file; the last one may be shorter. */
  record Records(int size) implements ContentCut {
    public Records {
      if (size < MIN_SIZE || size > ChunkerParams.MAX_CHUNK || Integer.bitCount(size) != 1) {
        throw new InvalidArgumentException(
            "record size "
                + size
                + " is not a power of two from "
                + MIN_SIZE
                + " to "
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
      ChunkSplitter s = new ChunkSplitter(new FastCdc(c.params()), sink, Scratch.atLeast(64 << 10));
      while (s.readFrom(in, null) >= 0) {
        // cut as it reads
      }
      s.finish();
      Scratch.keep(s.window());
    } else {
      int size = ((Records) this).size();
      byte[] buf = Scratch.atLeast(size);
      int n;
      while ((n = in.readNBytes(buf, 0, size)) > 0) {
        sink.chunk(buf, 0, n);
      }
    }
  }

  /**
   * One buffer per thread for cutting, not one per file: a plan cuts every file of an image, and
   * most files are small.
   */
  final class Scratch {
    private static final ThreadLocal<byte[]> BUFFER = new ThreadLocal<>();

    private Scratch() {}

    static byte[] atLeast(int size) {
      byte[] b = BUFFER.get();
      if (b == null || b.length < size) {
        b = new byte[size];
        BUFFER.set(b);
      }
      return b;
    }

    /** Keeps {@code b} (a window the splitter may have grown) for the next file. */
    static void keep(byte[] b) {
      BUFFER.set(b);
    }
  }
}
