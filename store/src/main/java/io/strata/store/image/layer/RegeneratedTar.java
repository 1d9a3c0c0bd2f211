package io.strata.store.image.layer;

import io.strata.store.digest.Digest;
import io.strata.store.engine.ChunkStore;
import io.strata.store.engine.Recipe;
import io.strata.store.error.CorruptDataException;
import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;

/**
 * A layer's tar, regenerated from its tar-split (see {@link TarSplitWriter}) and the content of its
 * files, streamed. The bytes are hashed on the way and must give the layer's diff_id: the last read
 * throws {@link CorruptDataException} otherwise, so a damaged store never yields a wrong tar
 * silently.
 */
public final class RegeneratedTar extends InputStream {
  /**
   * Where the content of file record {@code number}, at {@code path}, is read from, starting at
   * byte {@code offset} of the file.
   */
  @FunctionalInterface
  public interface Contents {
    InputStream open(int number, String path, long offset) throws IOException;
  }

  private final TarSplitReader split;
  private final Contents contents;
  private final Digest diffId;
  private final MessageDigest sha = Digest.newSha256();
  private final String where;
  private InputStream current;
  private boolean currentIsContent;
  private long currentLeft;
  private boolean ended;

  /** The tar of a version 1 split, which needs no tree (a transfer's layer, in transit). */
  public RegeneratedTar(ChunkStore store, Recipe split, Digest diffId, Contents contents)
      throws IOException {
    this(new TarSplitReader(store, split, "layer " + diffId), diffId, contents);
  }

  /** The tar {@code split} describes, which must hash to {@code diffId}. */
  public RegeneratedTar(TarSplitReader split, Digest diffId, Contents contents) {
    this.where = "layer " + diffId;
    this.split = split;
    this.contents = contents;
    this.diffId = diffId;
  }

  @Override
  public int read() throws IOException {
    byte[] one = new byte[1];
    return read(one, 0, 1) < 0 ? -1 : one[0] & 0xFF;
  }

  @Override
  public int read(byte[] b, int off, int len) throws IOException {
    if (len == 0) {
      return 0;
    }
    while (currentLeft == 0) {
      if (ended || !advance()) {
        return -1;
      }
    }
    int n = current.read(b, off, (int) Math.min(len, currentLeft));
    if (n < 0) {
      throw new CorruptDataException(
          where + ": a file of the layer is shorter than its tar entry", where);
    }
    currentLeft -= n;
    sha.update(b, off, n);
    return n;
  }

  private boolean advance() throws IOException {
    closeContent();
    switch (split.next()) {
      case SEGMENT -> current = split.segmentBytes();
      case FILE -> {
        current = contents.open(split.fileNumber(), split.path(), split.offset());
        currentIsContent = true;
      }
      case END -> {
        ended = true;
        Digest got = Digest.of(sha.digest());
        if (!got.equals(diffId)) {
          throw new CorruptDataException(
              where + ": the regenerated tar has digest " + got + ", not its diff_id", where);
        }
        return false;
      }
    }
    currentLeft = split.size();
    return true;
  }

  private void closeContent() throws IOException {
    if (currentIsContent) {
      current.close(); // a segment's stream is the split's own
    }
    current = null;
    currentIsContent = false;
  }

  @Override
  public void close() throws IOException {
    closeContent();
    split.close();
  }
}
