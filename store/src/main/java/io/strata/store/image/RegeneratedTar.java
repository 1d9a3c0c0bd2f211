package io.strata.store.image;

import io.strata.store.digest.Digest;
import io.strata.store.engine.ChunkStore;
import io.strata.store.engine.Recipe;
import io.strata.store.engine.RecipeInputStream;
import io.strata.store.error.CorruptDataException;
import io.strata.store.fs.FileSystemView;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.Map;

/**
 * A layer's tar, regenerated from its tar-split (see {@link TarSplitWriter}) and the files of its
 * snapshot, streamed. The bytes are hashed on the way and must give the layer's diff_id: the last
 * read throws {@link CorruptDataException} otherwise, so a damaged store never yields a wrong tar
 * silently.
 */
final class RegeneratedTar extends InputStream {
  private final DataInputStream split;
  private final FileSystemView fs;
  private final ChunkStore store;
  private final Map<Integer, Recipe> sides;
  private final Digest diffId;
  private final MessageDigest sha = Digest.newSha256();
  private final String where;
  private InputStream current;
  private long currentLeft;
  private int fileNumber;
  private boolean ended;

  RegeneratedTar(ChunkStore store, LayerRecord layer, FileSystemView fs) throws IOException {
    this.store = store;
    this.fs = fs;
    this.sides = layer.sideRecipes();
    this.diffId = Digest.parse(layer.diffId());
    this.where = "layer " + layer.diffId();
    this.split =
        new DataInputStream(
            new RecipeInputStream(
                store,
                layer.splitRecipe(),
                0,
                layer.splitRecipe().size(),
                "tar-split of layer " + layer.diffId()));
    byte[] magic = new byte[TarSplitWriter.MAGIC.length];
    split.readFully(magic);
    if (!Arrays.equals(magic, TarSplitWriter.MAGIC)) {
      throw new CorruptDataException(where + ": its tar-split has a bad header", where);
    }
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
    if (current != null && current != split) {
      current.close();
    }
    current = null;
    int op;
    try {
      op = split.readByte();
    } catch (EOFException e) {
      throw new CorruptDataException(where + ": its tar-split is cut short", where, e);
    }
    switch (op) {
      case TarSplitWriter.SEGMENT -> {
        current = split;
        currentLeft = split.readInt();
      }
      case TarSplitWriter.FILE -> {
        long size = split.readLong();
        byte[] name = new byte[split.readUnsignedShort()];
        split.readFully(name);
        Recipe side = sides.get(fileNumber++);
        current =
            side != null
                ? new RecipeInputStream(store, side, 0, side.size(), where)
                : fs.open(new String(name, StandardCharsets.UTF_8));
        currentLeft = size;
      }
      case TarSplitWriter.END -> {
        ended = true;
        Digest got = Digest.of(sha.digest());
        if (!got.equals(diffId)) {
          throw new CorruptDataException(
              where + ": the regenerated tar has digest " + got + ", not its diff_id", where);
        }
        return false;
      }
      default ->
          throw new CorruptDataException(
              where + ": its tar-split has an unknown record " + op, where);
    }
    return true;
  }

  @Override
  public void close() throws IOException {
    if (current != null && current != split) {
      current.close();
    }
    split.close();
  }
}
