package io.strata.store.blob;

import io.strata.store.digest.Digest;
import io.strata.store.engine.ChunkStore;
import io.strata.store.engine.Recipe;
import io.strata.store.engine.RecipeInputStream;
import io.strata.store.error.CorruptDataException;
import io.strata.store.error.InvalidArgumentException;
import io.strata.store.error.NotFoundException;
import io.strata.store.ref.Root;
import io.strata.store.ref.RootChange;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.roaringbitmap.RoaringBitmap;

/**
 * Plain objects named by the SHA-256 of their content: {@code strata blob put|get|stat|ls|rm}. Each
 * blob is a root named {@code blob/<hex>} whose payload is its recipe.
 */
public final class BlobService {
  static final String PREFIX = "blob/";
  private static final int PAYLOAD_VERSION = 1;

  private final ChunkStore store;

  public BlobService(ChunkStore store) {
    this.store = store;
  }

  ChunkStore store() {
    return store;
  }

  /** Starts storing a blob whose bytes will be pushed in. */
  public BlobWriter create() {
    return new BlobWriter(this, store.session());
  }

  /** Stores everything {@code in} yields, streaming, in bounded memory. */
  public PutResult put(InputStream in) throws IOException {
    try (BlobWriter w = create()) {
      byte[] buf = new byte[256 << 10];
      int n;
      while ((n = in.read(buf)) > 0) {
        w.write(buf, 0, n);
      }
      return w.commit();
    }
  }

  /**
   * The bytes of blob {@code digest} from {@code offset}, at most {@code length} of them ({@code
   * -1}: to the end). Read lazily, one chunk at a time.
   */
  public InputStream open(Digest digest, long offset, long length) {
    Recipe recipe = recipe(digest);
    if (offset < 0 || offset > recipe.size()) {
      throw new InvalidArgumentException(
          "blob " + digest + ": offset " + offset + " is outside its " + recipe.size() + " bytes");
    }
    long end = length < 0 ? recipe.size() : Math.min(recipe.size(), offset + length);
    return new RecipeInputStream(store, recipe, offset, end, "blob " + digest);
  }

  /** Size, chunk count and the bytes only this blob holds. */
  public BlobStat stat(Digest digest) {
    Root root = root(digest);
    Recipe recipe = decode(root);
    RoaringBitmap exclusive =
        RoaringBitmap.andNot(root.chunks(), store.referencedExcept(root.name()));
    return new BlobStat(digest, recipe.size(), recipe.count(), store.storedBytes(exclusive));
  }

  /** Every blob, by digest. */
  public List<BlobEntry> list() {
    List<BlobEntry> out = new ArrayList<>();
    for (Root r : store.roots(PREFIX)) {
      out.add(new BlobEntry(Digest.parse(r.name().substring(PREFIX.length())), r.logicalSize()));
    }
    out.sort(Comparator.comparing(BlobEntry::digest));
    return out;
  }

  /** Removes the name; the chunks go at the next gc unless something else uses them. */
  public void remove(Digest digest) throws IOException {
    root(digest);
    try (var session = store.session()) {
      session.commit(List.of(new RootChange.Remove(rootName(digest))));
    }
  }

  /** The chunk list of blob {@code digest}. */
  public Recipe recipe(Digest digest) {
    return decode(root(digest));
  }

  static String rootName(Digest d) {
    return PREFIX + d.hex();
  }

  static byte[] encode(Digest digest, Recipe recipe) {
    ByteBuffer b = recipe.encode(1 + Digest.LENGTH);
    b.put(0, (byte) PAYLOAD_VERSION);
    b.put(1, digest.bytes());
    return b.array();
  }

  private Root root(Digest digest) {
    Root r = store.root(rootName(digest));
    if (r == null) {
      throw new NotFoundException("blob " + digest + " not found");
    }
    return r;
  }

  private static Recipe decode(Root root) {
    ByteBuffer b = ByteBuffer.wrap(root.payload());
    if (b.get() != PAYLOAD_VERSION) {
      throw new CorruptDataException(root.name() + ": unknown payload version", root.name());
    }
    b.position(1 + Digest.LENGTH);
    return Recipe.decode(b, root.name());
  }
}
