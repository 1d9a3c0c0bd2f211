package io.strata.store.engine;

import io.strata.store.chunk.ChunkerParams;
import io.strata.store.error.CorruptDataException;
import java.io.IOException;
import java.io.InputStream;

/**
 * Reads a byte range of an object of the chunk store (a blob, a tar-split) one chunk at a time;
 * holds one chunk in memory. Damage surfaces as a {@link CorruptDataException} naming the object.
 */
public final class RecipeInputStream extends InputStream {
  private final ChunkStore store;
  private final Recipe recipe;
  private final String name;
  private final long end;
  // Sized to the recipe's largest chunk on first read: a layer import opens one stream per file,
  // and a 1 MiB array for each small file was most of what rebuilding a layer allocated.
  private byte[] chunk;
  private long pos;
  private int chunkIndex = -1;
  private int chunkLen;

  /** Bytes {@code start} (inclusive) to {@code end} (exclusive) of the object {@code name}. */
  public RecipeInputStream(ChunkStore store, Recipe recipe, long start, long end, String name) {
    this.store = store;
    this.recipe = recipe;
    this.pos = start;
    this.end = end;
    this.name = name;
  }

  @Override
  public int read() throws IOException {
    byte[] one = new byte[1];
    return read(one, 0, 1) < 0 ? -1 : one[0] & 0xFF;
  }

  @Override
  public int read(byte[] b, int off, int len) throws IOException {
    if (pos >= end) {
      return -1;
    }
    if (len == 0) {
      return 0;
    }
    int i = recipe.chunkAt(pos);
    if (i != chunkIndex) {
      if (chunk == null) {
        chunk = new byte[largestChunk()];
      }
      try {
        chunkLen = store.read(recipe.id(i), chunk);
      } catch (CorruptDataException e) {
        throw new CorruptDataException(name + ": " + e.getMessage(), e.resource(), e);
      }
      if (chunkLen != recipe.length(i)) {
        throw new CorruptDataException(
            name + ": chunk " + i + " has " + chunkLen + " bytes, expected " + recipe.length(i),
            name);
      }
      chunkIndex = i;
    }
    int within = (int) (pos - recipe.start(i));
    int n = (int) Math.min(Math.min(len, chunkLen - within), end - pos);
    System.arraycopy(chunk, within, b, off, n);
    pos += n;
    return n;
  }

  private int largestChunk() {
    int max = 0;
    for (int i = 0; i < recipe.count(); i++) {
      max = Math.max(max, recipe.length(i));
    }
    return Math.min(max, ChunkerParams.MAX_CHUNK);
  }

  @Override
  public long skip(long n) {
    long k = Math.max(0, Math.min(n, end - pos));
    pos += k;
    return k;
  }

  @Override
  public int available() {
    // bounded by the end of the range too: a reader told bytes are there reads them at once
    return chunkIndex >= 0
        ? (int) Math.max(0, Math.min(end, recipe.start(chunkIndex) + chunkLen) - pos)
        : 0;
  }
}
