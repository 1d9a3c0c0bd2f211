package io.strata.store.engine;

import io.strata.store.error.CorruptDataException;
import java.nio.ByteBuffer;
import java.util.Arrays;
import org.roaringbitmap.RoaringBitmap;

/**
 * The chunks of one object, in order, with their lengths: enough to read it back whole or from any
 * offset.
 *
 * <pre>
 * encoded := u32 count (u32 chunkId u32 length){count}
 * </pre>
 */
public final class Recipe {
  private final int[] ids;
  private final int[] lengths;
  private final long[] starts; // starts[i]: offset of chunk i; starts[count]: the size

  public Recipe(int[] ids, int[] lengths) {
    if (ids.length != lengths.length) {
      throw new IllegalArgumentException(
          "recipe: " + ids.length + " ids, " + lengths.length + " lengths");
    }
    this.ids = ids;
    this.lengths = lengths;
    this.starts = new long[ids.length + 1];
    for (int i = 0; i < ids.length; i++) {
      starts[i + 1] = starts[i] + lengths[i];
    }
  }

  /** Chunks in the object, with repeats. */
  public int count() {
    return ids.length;
  }

  public int id(int i) {
    return ids[i];
  }

  public int length(int i) {
    return lengths[i];
  }

  /** The object's length. */
  public long size() {
    return starts[ids.length];
  }

  /** The offset of chunk {@code i} in the object. */
  public long start(int i) {
    return starts[i];
  }

  /** The index of the chunk holding byte {@code offset} (< size). */
  public int chunkAt(long offset) {
    int i = Arrays.binarySearch(starts, offset);
    return i >= 0 ? i : -i - 2;
  }

  /** The distinct chunk ids. */
  public RoaringBitmap chunkSet() {
    RoaringBitmap bm = RoaringBitmap.bitmapOf(ids);
    bm.runOptimize();
    return bm;
  }

  /** The encoded form, appended after {@code prefix} bytes left free for the caller. */
  public ByteBuffer encode(int prefix) {
    ByteBuffer b = ByteBuffer.allocate(prefix + 4 + 8 * ids.length);
    b.position(prefix);
    b.putInt(ids.length);
    for (int i = 0; i < ids.length; i++) {
      b.putInt(ids[i]).putInt(lengths[i]);
    }
    return b.flip();
  }

  /** Decodes what {@link #encode} wrote, from the buffer's position. */
  public static Recipe decode(ByteBuffer b, String where) {
    int n = b.getInt();
    if (n < 0 || (long) n * 8 > b.remaining()) {
      throw new CorruptDataException(where + ": recipe of " + n + " chunks is cut short", where);
    }
    int[] ids = new int[n];
    int[] lengths = new int[n];
    for (int i = 0; i < n; i++) {
      ids[i] = b.getInt();
      lengths[i] = b.getInt();
    }
    return new Recipe(ids, lengths);
  }
}
