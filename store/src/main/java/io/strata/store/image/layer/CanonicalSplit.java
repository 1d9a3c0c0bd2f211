package io.strata.store.image.layer;

import io.strata.store.driver.Change;
import io.strata.store.driver.WholeTree;
import io.strata.store.engine.ObjectWriter;
import io.strata.store.fs.FileSystemView;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Iterator;

/**
 * Version 2 of the tar-split: the split of a layer whose tar is the canonical tar of its whole tree
 * (a directory or a plain tar imported on no parent, {@link CanonicalTar}). Every byte of such a
 * tar that is not file content is what {@link LayerTarWriter} writes from the tree's metadata, so
 * the split keeps none of them: one record says "the canonical tar of the tree, as writer version 1
 * writes it with this user name", and a reader regenerates the headers from the layer's tree entry
 * by entry. The Debian trees' splits shrink from 14.4 MB (0.5–0.8 MB stored) to under 60 bytes
 * each.
 *
 * <pre>
 * split     := "STRSPLT2" canonical end
 * canonical := 'C' u8 writer(=1) u16 n utf8{n} userName u64 tarSize u32 files
 * end       := 'E' u64 tarSize u32 files                  (as in version 1)
 * </pre>
 *
 * The user name is kept since it is the one header field the tree does not hold: commons-compress
 * writes the server's {@code user.name}, and a server started as another user must still give the
 * tar its import hashed. {@code writer} fixes the rest: a release that changes what {@link
 * LayerTarWriter} writes must keep writer 1's output for these splits, or give its own a new
 * number. The regenerated tar is hashed against the layer's diff_id on every read ({@link
 * RegeneratedTar}), and its size and file count are checked against the record's, so a tree or a
 * writer that no longer regenerates the tar fails the read naming the layer, never yielding other
 * bytes.
 */
final class CanonicalSplit {
  /** The one version of {@link LayerTarWriter}'s output these splits name. */
  static final int WRITER = 1;

  private CanonicalSplit() {}

  /** Stores the split of a canonical whole-tree tar of {@code tarSize} bytes and {@code files}. */
  static ObjectWriter.Written store(ObjectWriter out, String userName, long tarSize, int files) {
    byte[] user = userName.getBytes(StandardCharsets.UTF_8);
    ByteBuffer b =
        ByteBuffer.allocate(TarSplitWriter.MAGIC_V2.length + 1 + 1 + 2 + user.length + 12 + 13);
    b.put(TarSplitWriter.MAGIC_V2);
    b.put(TarSplitWriter.CANONICAL).put((byte) WRITER).putShort((short) user.length).put(user);
    b.putLong(tarSize).putInt(files);
    b.put(TarSplitWriter.END).putLong(tarSize).putInt(files);
    out.write(b.array(), 0, b.position());
    return out.finish();
  }

  /** A record of an expanded canonical split: a segment's bytes, or a file's path and size. */
  sealed interface Piece permits Segment, File {}

  /** Raw tar bytes. */
  record Segment(byte[] bytes) implements Piece {}

  /** The whole content of the file at {@code path}. */
  record File(String path, long size) implements Piece {}

  /**
   * The records of a canonical split, regenerated from the tree an entry at a time: memory holds
   * one entry's headers (and the writer's map of hard-linked files), never the whole split.
   */
  static final class Expansion {
    private final Iterator<Change> changes;
    private final LayerTarWriter tar;
    private final ArrayDeque<Piece> ready = new ArrayDeque<>();
    private byte[] pending = new byte[4096];
    private int pendingLength;
    private long contentLeft;
    private boolean finished;
    private long tarSize;
    private int files;

    Expansion(FileSystemView tree, String userName) {
      OutputStream sink =
          new OutputStream() {
            @Override
            public void write(int b) {
              write(new byte[] {(byte) b}, 0, 1);
            }

            @Override
            public void write(byte[] b, int off, int len) {
              take(b, off, len);
            }
          };
      this.tar = new LayerTarWriter(tree, sink, this::contentStarts, false, userName);
      this.changes = WholeTree.of(tree).iterator();
    }

    /** The next record, or null after the tar's last bytes. */
    Piece next() throws IOException {
      try {
        while (ready.isEmpty()) {
          if (pendingLength >= TarSplitWriter.SEGMENT_MAX || (finished && pendingLength > 0)) {
            flush();
          } else if (finished) {
            return null;
          } else if (changes.hasNext()) {
            tar.change(changes.next());
          } else {
            tar.finish();
            finished = true;
          }
        }
      } catch (UncheckedIOException e) {
        throw e.getCause(); // from the tree's lazy listing
      }
      return ready.poll();
    }

    /** Bytes of tar regenerated so far. */
    long tarSize() {
      return tarSize;
    }

    /** File records regenerated so far. */
    int files() {
      return files;
    }

    private void contentStarts(String path, long size) {
      flush();
      ready.add(new File(path, size));
      contentLeft = size;
      files++;
    }

    /** The writer's bytes: content (zeros, the writer reads no file) is dropped, the rest kept. */
    private void take(byte[] b, int off, int len) {
      tarSize += len;
      int content = (int) Math.min(contentLeft, len);
      contentLeft -= content;
      off += content;
      len -= content;
      if (len == 0) {
        return;
      }
      if (pendingLength + len > pending.length) {
        pending = Arrays.copyOf(pending, Math.max(pending.length * 2, pendingLength + len));
      }
      System.arraycopy(b, off, pending, pendingLength, len);
      pendingLength += len;
    }

    private void flush() {
      if (pendingLength > 0) {
        ready.add(new Segment(Arrays.copyOf(pending, pendingLength)));
        pendingLength = 0;
        if (pending.length > TarSplitWriter.SEGMENT_MAX) {
          pending = new byte[4096]; // one entry's large PAX header is not kept for the rest
        }
      }
    }
  }
}
