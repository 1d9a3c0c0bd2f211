package io.strata.store.image.layer;

import io.strata.store.driver.Change;
import io.strata.store.driver.WholeTree;
import io.strata.store.engine.ObjectWriter;
import io.strata.store.fs.FileSystemView;
import java.io.IOException;
import java.io.OutputStream;
import java.security.MessageDigest;

/**
 * Describes a snapshot's changes as the tar {@link LayerTarWriter} writes, entries in path order,
 * so that the same tree gives the same diff_id whichever way it arrived (a directory, a tar, a
 * build step). Only the tar-split and the digest are kept: the content stays in the snapshot.
 */
final class CanonicalTar {
  private CanonicalTar() {}

  /**
   * Describes {@code changes} of {@code fs} into {@code split}, hashing the tar into {@code sha}.
   */
  static void write(
      FileSystemView fs, Iterable<Change> changes, TarSplitWriter split, MessageDigest sha)
      throws IOException {
    SplitSink sink = new SplitSink(split, sha);
    LayerTarWriter tar = new LayerTarWriter(fs, sink, sink::expectContent, true);
    tar.changes(changes);
    tar.finish();
  }

  /**
   * Describes {@code changes} of {@code fs} into {@code split} without reading any file: the split
   * holds no content, only where it goes, so the tree's metadata is all it needs.
   */
  static void describe(FileSystemView fs, Iterable<Change> changes, TarSplitWriter split)
      throws IOException {
    SplitSink sink = new SplitSink(split, null);
    LayerTarWriter tar = new LayerTarWriter(fs, sink, sink::expectContent, false);
    tar.changes(changes);
    tar.finish();
  }

  /**
   * Hashes the canonical tar of the whole tree {@code fs} into {@code sha}, reading every file, and
   * stores its split to {@code out} as version 2 ({@link CanonicalSplit}): the tree regenerates
   * every header, so none is kept.
   */
  static Described whole(FileSystemView fs, ObjectWriter out, MessageDigest sha)
      throws IOException {
    TarSplitWriter counted = new TarSplitWriter(null, null); // sizes only, stored nowhere
    write(fs, WholeTree.of(fs), counted, sha);
    return stored(out, counted);
  }

  /**
   * Stores, as version 2 ({@link CanonicalSplit}), the split that {@code described} (made by {@link
   * #describe} of a whole tree, and finished) counted.
   */
  static Described stored(ObjectWriter out, TarSplitWriter described) {
    long size = described.tarSize();
    return new Described(
        CanonicalSplit.store(out, LayerTarWriter.DEFAULT_USER_NAME, size, described.files()), size);
  }

  /** A stored split and the size of the tar it describes. */
  record Described(ObjectWriter.Written split, long tarSize) {}

  /** Hashes the canonical tar of {@code changes} of {@code fs} into {@code sha}, reading it all. */
  static void hash(FileSystemView fs, Iterable<Change> changes, MessageDigest sha)
      throws IOException {
    OutputStream sink =
        new OutputStream() {
          @Override
          public void write(int b) {
            sha.update((byte) b);
          }

          @Override
          public void write(byte[] b, int off, int len) {
            sha.update(b, off, len);
          }
        };
    LayerTarWriter tar = new LayerTarWriter(fs, sink);
    tar.changes(changes);
    tar.finish();
  }

  /**
   * Takes the tar's bytes: all are hashed (when {@code sha} is not null); the {@code size} bytes
   * after {@link #expectContent} are content and go to the split as a file record, everything else
   * as segments.
   */
  private static final class SplitSink extends OutputStream {
    private final TarSplitWriter split;
    private final MessageDigest sha;
    private long contentLeft;

    SplitSink(TarSplitWriter split, MessageDigest sha) {
      this.split = split;
      this.sha = sha;
    }

    void expectContent(String path, long size) {
      split.file(path, size);
      contentLeft = size;
    }

    @Override
    public void write(int b) {
      write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) {
      if (sha != null) {
        sha.update(b, off, len);
      }
      int content = (int) Math.min(contentLeft, len);
      contentLeft -= content;
      if (len > content) {
        split.segment(b, off + content, len - content);
      }
    }
  }
}
