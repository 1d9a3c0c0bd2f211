package io.strata.store.image;

import io.strata.store.chunk.ChunkerParams;
import io.strata.store.engine.ChunkStore;
import io.strata.store.engine.Recipe;
import java.io.IOException;
import java.io.InputStream;

/** Reads an object of the chunk store (a tar-split, side content) one chunk at a time. */
final class RecipeInputStream extends InputStream {
  private final ChunkStore store;
  private final Recipe recipe;
  private final byte[] chunk = new byte[ChunkerParams.MAX_CHUNK];
  private int next;
  private int length;
  private int pos;

  RecipeInputStream(ChunkStore store, Recipe recipe) {
    this.store = store;
    this.recipe = recipe;
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
    while (pos == length) {
      if (next == recipe.count()) {
        return -1;
      }
      length = store.read(recipe.id(next++), chunk);
      pos = 0;
    }
    int n = Math.min(len, length - pos);
    System.arraycopy(chunk, pos, b, off, n);
    pos += n;
    return n;
  }
}
