package io.strata.store.blob;

import io.strata.store.digest.Digest;
import io.strata.store.engine.ChunkStore;
import io.strata.store.engine.ObjectWriter;
import io.strata.store.engine.Recipe;
import io.strata.store.engine.RecipeInputStream;
import io.strata.store.engine.StopSignal;
import io.strata.store.error.CorruptDataException;
import io.strata.store.error.InvalidArgumentException;
import io.strata.store.error.NotFoundException;
import io.strata.store.gzip.GzipExpansion;
import io.strata.store.gzip.GzipMember;
import io.strata.store.gzip.GzipRecipe;
import io.strata.store.gzip.GzipRecipes;
import io.strata.store.gzip.RegeneratedGzipInputStream;
import io.strata.store.gzip.RegenerationStats;
import io.strata.store.ref.Root;
import io.strata.store.ref.RootChange;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.apache.commons.io.input.BoundedInputStream;
import org.roaringbitmap.RoaringBitmap;

/**
 * Plain objects named by the SHA-256 of their content: {@code strata blob put|get|stat|ls|rm}. Each
 * blob is a root named {@code blob/<hex>} whose payload is its recipe:
 *
 * <pre>
 * payload := 1 digest recipe                 the blob's own chunks
 *          | 2 digest gzipRecipe recipe      a gzip blob: the chunks of its uncompressed contents,
 *                                            regenerated into the exact blob when read
 * </pre>
 */
public final class BlobService {
  static final String PREFIX = "blob/";

  /**
   * The prefix of the roots that say a blob was stored for the registry alone: {@code
   * reg/blob/<hex>}, no chunks, committed with the blob's root by the write that created it for the
   * registry ({@link Owner#REGISTRY}). The registry removes the blob's root (and this mark) once
   * nothing of its own, and no image, uses it; any other put of the same blob ({@link Owner#USER})
   * removes the mark in its commit, so a blob someone put stays until {@code blob rm}. A blob
   * without the mark (every blob of an earlier release) is never removed by the registry.
   */
  public static final String REGISTRY_OWNED = "reg/blob/";

  /** Who a blob is stored for: who may remove its root. */
  public enum Owner {
    /** Kept until {@code strata blob rm}: a user's put, an image's kept layer. */
    USER,
    /** Released by the registry when unused, unless someone else put it too. */
    REGISTRY
  }

  /**
   * Serializes each decision about a registry mark with the commit that acts on it: a write that
   * creates a root and marks it, a user's put that removes the mark, the registry's release that
   * removes root and mark. Static because writers of one store come from several BlobService
   * instances (an image import makes its own); the section is one root lookup and one commit.
   */
  static final Object MARKS = new Object();

  /** A step that may fail with an I/O error and gives a result. */
  @FunctionalInterface
  public interface IoSupplier<T> {
    T get() throws IOException;
  }

  /**
   * Runs {@code step} holding the lock under which registry marks are decided and committed: the
   * registry's release of its blobs runs so, so that no put claims or marks a blob between its
   * decision and its commit.
   */
  public static <T> T underMarks(IoSupplier<T> step) throws IOException {
    synchronized (MARKS) {
      return step.get();
    }
  }

  private static final int PAYLOAD_VERSION = 1;
  private static final int PAYLOAD_GZIP = 2;
  private static final System.Logger LOG = System.getLogger(BlobService.class.getName());

  /** A step that may fail with an I/O error. */
  @FunctionalInterface
  public interface IoAction {
    void run() throws IOException;
  }

  /** Refuses the removal of a blob something other than its root relies on. */
  @FunctionalInterface
  public interface RemovalGuard {
    /** Throws (a {@link io.strata.store.error.ConflictException}) when {@code d} must stay. */
    void check(Digest d);
  }

  private final ChunkStore store;
  private final RemovalGuard removalGuard;
  private final GzipExpansion expansion;
  private final RegenerationStats regeneration = new RegenerationStats();

  /** Blobs of {@code store} that {@link #remove} removes whatever relies on them. */
  public BlobService(ChunkStore store) {
    this(store, d -> {});
  }

  /**
   * Blobs of {@code store} whose {@link #remove} first asks {@code removalGuard}, under the marks'
   * lock ({@link #underMarks}): the registry's links are committed under it, so no link comes
   * between the guard's look and the removal.
   */
  public BlobService(ChunkStore store, RemovalGuard removalGuard) {
    this(store, removalGuard, GzipExpansion.fromSystemProperties());
  }

  /**
   * As above, the contents of a gzip blob read only within {@code expansion}: past it the blob is
   * kept whole.
   */
  public BlobService(ChunkStore store, RemovalGuard removalGuard, GzipExpansion expansion) {
    this.store = store;
    this.removalGuard = removalGuard;
    this.expansion = expansion;
  }

  /**
   * The pack bytes the new chunks of {@code w} took, read from the index once its commit made them
   * durable: a chunk that joined a group has its share of the group's compressed frame only then
   * (it counted 0 before, docs/ADVERSARIAL.md, AG7).
   */
  static long newBytes(BlobService service, ObjectWriter.Written w) {
    return w.fresh().isEmpty() ? w.newBytes() : service.store.storedBytes(w.fresh());
  }

  ChunkStore store() {
    return store;
  }

  /** Starts storing a blob whose bytes will be pushed in, kept until {@code blob rm}. */
  public BlobWriter create() {
    return create(Owner.USER);
  }

  /** Starts storing a blob for {@code owner}. */
  public BlobWriter create(Owner owner) {
    return new BlobWriter(this, store.session(), owner);
  }

  /**
   * Starts a blob put whose bytes will be pushed in, kept until {@code blob rm}: a gzip blob is
   * spooled to {@code tmp} and stored as a registry push stores it ({@link BlobUpload}).
   */
  public BlobUpload upload(Path tmp) {
    return new BlobUpload(this, tmp);
  }

  /** The name of the root that marks blob {@code d} as the registry's alone. */
  public static String registryMark(Digest d) {
    return REGISTRY_OWNED + d.hex();
  }

  /**
   * The changes that name blob {@code name} for {@code owner} beside {@code put} (null: the root
   * exists already): the root when it is new, the registry's mark when the registry creates it; for
   * a user, the removal of a mark the registry left. The caller holds {@link #MARKS}.
   */
  List<RootChange> naming(Digest digest, Root put, Owner owner) {
    List<RootChange> out = new ArrayList<>();
    String mark = registryMark(digest);
    if (store.root(rootName(digest)) == null) {
      out.add(new RootChange.Put(put));
      if (owner == Owner.REGISTRY) {
        out.add(new RootChange.Put(new Root(mark, 0, new byte[0], new RoaringBitmap())));
      } else if (store.root(mark) != null) {
        out.add(new RootChange.Remove(mark));
      }
    } else if (owner == Owner.USER && store.root(mark) != null) {
      out.add(new RootChange.Remove(mark));
    }
    return out;
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
   * Stores the file {@code file} as blob {@code expected}; refused with {@link
   * InvalidArgumentException}, nothing named, when it has another digest. A gzip file that a known
   * compressor reproduces byte for byte is kept as its uncompressed contents (which deduplicate
   * against every layer, where compressed bytes do not) and a {@link GzipRecipe}; any other file is
   * kept whole.
   */
  public PutResult putFile(Path file, Digest expected) throws IOException {
    return putFile(file, expected, Owner.USER);
  }

  /** {@link #putFile(Path, Digest)} for {@code owner}. */
  public PutResult putFile(Path file, Digest expected, Owner owner) throws IOException {
    return putFile(file, expected, owner, new StopSignal());
  }

  /**
   * {@link #putFile(Path, Digest, Owner)}, reading the file through {@code stop}'s guard: once it
   * is raised, the next read throws {@link StopSignal.Stopped} and nothing is stored.
   */
  public PutResult putFile(Path file, Digest expected, Owner owner, StopSignal stop)
      throws IOException {
    String what = "blob " + (expected == null ? file : expected);
    GzipRecipes.Source source = () -> stop.guard(Files.newInputStream(file), what);
    byte[] header = GzipRecipes.header(source);
    if (header != null) {
      PutResult r = putRecipe(source, header, expected, null, () -> {}, owner);
      if (r != null) {
        return r;
      }
    }
    return putWhole(source, expected, owner);
  }

  /**
   * Stores the file {@code file}, whose bytes the caller found to hash to {@code digest}, as {@link
   * #putFile(Path, Digest, Owner, StopSignal)} does, unless blob {@code digest} is held already, in
   * either form, with no chunk known damaged: then nothing is written (a put of the same gzip blob
   * again would store chunks its root does not use, when the two puts chose different forms) but
   * what {@code owner} changes in its naming (a user's put takes the registry's mark off), and the
   * result counts nothing new. A held blob with a damaged chunk is stored again in the form its
   * root has, which mends it.
   */
  public PutResult putFileOnce(Path file, Digest digest, Owner owner, StopSignal stop)
      throws IOException {
    Root held;
    synchronized (MARKS) {
      held = store.root(rootName(digest));
      if (held != null && !store.holdsDamaged(held.chunks())) {
        List<RootChange> changes = naming(digest, held, owner);
        if (!changes.isEmpty()) {
          try (var session = store.session()) {
            session.commit(changes);
          }
        }
        return new PutResult(digest, held.logicalSize(), 0, 0);
      }
    }
    if (held != null && held.payload()[0] == PAYLOAD_VERSION) {
      String what = "blob " + digest;
      return putWhole(() -> stop.guard(Files.newInputStream(file), what), digest, owner);
    }
    return putFile(file, digest, owner, stop);
  }

  /**
   * Stores the file {@code file} as blob {@code expected}, its own bytes as chunks, whatever it
   * holds; refused with {@link InvalidArgumentException}, nothing named, when it has another
   * digest. What a registry does at a push, so that the push answers as soon as the blob is safe;
   * {@link #keepAsRecipe} may turn it into a recipe later.
   */
  public PutResult putWhole(Path file, Digest expected) throws IOException {
    return putWhole(file, expected, Owner.USER);
  }

  private PutResult putWhole(Path file, Digest expected, Owner owner) throws IOException {
    return putWhole(() -> Files.newInputStream(file), expected, owner);
  }

  private PutResult putWhole(GzipRecipes.Source file, Digest expected, Owner owner)
      throws IOException {
    try (BlobWriter w = create(owner);
        InputStream in = file.open()) {
      byte[] buf = new byte[256 << 10];
      int n;
      while ((n = in.read(buf)) > 0) {
        w.write(buf, 0, n);
      }
      return w.commit(expected);
    }
  }

  /**
   * Finds the recipe of the gzip blob {@code source} yields and stores it as its uncompressed
   * contents and that recipe; {@code replacing} (null: none) is the root it takes the place of,
   * which must still be there, unchanged, at the commit. Null when no known compressor reproduces
   * it (counted as kept whole), or when {@code replacing} changed meanwhile.
   */
  private PutResult putRecipe(
      GzipRecipes.Source source,
      byte[] header,
      Digest expected,
      Root replacing,
      IoAction afterCommit,
      Owner owner)
      throws IOException {
    String what = "blob " + (expected == null ? "(a put)" : expected);
    // A replay stores the contents as it goes: a blob no recipe can give back whatever its deflate
    // data (bytes after the member, a wrong trailer, cut short) is told first, for one inflate,
    // and so is a gzip bomb, whose inflate stops at the bound.
    String flaw = GzipMember.flaw(source, header, expansion);
    if (flaw != null) {
      regeneration.keptWhole(header);
      LOG.log(
          System.Logger.Level.INFO,
          "{0}: gzip kept whole, its contents not stored ({1})",
          what,
          flaw);
      return null;
    }
    try {
      Iterator<GzipRecipe> candidates = GzipRecipes.candidates(source, header);
      while (candidates.hasNext()) {
        GzipRecipe c = candidates.next();
        try (GzipBlobWriter w = new GzipBlobWriter(this, store.session())) {
          GzipRecipes.Replayed replayed = GzipRecipes.replay(source, c, w::write);
          if (replayed != null) {
            Digest got = replayed.digest();
            GzipRecipe r = c.replayed(replayed);
            if (expected != null && !got.equals(expected)) {
              throw new InvalidArgumentException(
                  "blob " + expected + ": content has digest " + got);
            }
            PutResult result;
            if (replacing == null) {
              result = w.commit(got, r, owner);
            } else {
              synchronized (this) {
                Root now = store.root(replacing.name());
                if (now == null || !java.util.Arrays.equals(now.payload(), replacing.payload())) {
                  return null;
                }
                result = w.replace(got, r);
              }
            }
            afterCommit.run();
            // counted once everything that follows from the recipe is done, so that whoever
            // watches the counts (strata info) sees the blob's final state
            regeneration.reproduced(r);
            LOG.log(
                System.Logger.Level.INFO,
                "blob {0}: gzip reproduced by {1}; kept as {2} uncompressed bytes and a recipe",
                got,
                r.label(),
                result.size());
            return new PutResult(got, r.size(), result.newChunks(), result.newBytes());
          }
        }
      }
    } catch (UncheckedIOException e) {
      throw e.getCause();
    }
    regeneration.keptWhole(header);
    LOG.log(
        System.Logger.Level.INFO,
        "{0}: gzip that no known compressor reproduces; kept whole",
        what);
    return null;
  }

  /**
   * Turns blob {@code digest}, stored whole, into its uncompressed contents and a recipe when it is
   * gzip a known compressor reproduces; {@code copy} (null: the blob itself) is a file holding the
   * same bytes, read instead of the chunks. Every regenerated byte is compared with the blob before
   * the recipe replaces it; until then, and when nothing reproduces it, the blob stays whole. Its
   * old chunks go at the next gc unless something else holds them. Returns whether it was turned.
   */
  public boolean keepAsRecipe(Digest digest, Path copy) throws IOException {
    return keepAsRecipe(digest, copy, () -> {});
  }

  /**
   * {@link #keepAsRecipe(Digest, Path)}, running {@code afterReplace} once the recipe has replaced
   * the blob and before the blob is counted as reproduced (the registry moves its repositories'
   * links there).
   */
  public boolean keepAsRecipe(Digest digest, Path copy, IoAction afterReplace) throws IOException {
    Root whole = store.root(rootName(digest));
    if (whole == null || whole.payload()[0] != PAYLOAD_VERSION) {
      return false;
    }
    GzipRecipes.Source source =
        copy != null ? () -> Files.newInputStream(copy) : () -> open(digest, 0, -1);
    byte[] header = GzipRecipes.header(source);
    if (header == null) {
      return false;
    }
    return putRecipe(source, header, digest, whole, afterReplace, Owner.USER) != null;
  }

  /** How often gzip blobs were reproduced by a recipe, since start. */
  public RegenerationStats regeneration() {
    return regeneration;
  }

  /**
   * The bytes of blob {@code digest} from {@code offset}, at most {@code length} of them ({@code
   * -1}: to the end). Read lazily, one chunk at a time; a gzip blob kept as a recipe is regenerated
   * as it is read, from the deflate checkpoint before {@code offset} when its recipe has them (a
   * resumed download does not compress again what it has), else from its start, its digest checked
   * when read from its start to its end.
   */
  public InputStream open(Digest digest, long offset, long length) {
    Root root = root(digest);
    long size = root.logicalSize();
    if (offset < 0 || offset > size) {
      throw new InvalidArgumentException(
          "blob " + digest + ": offset " + offset + " is outside its " + size + " bytes");
    }
    long end = length < 0 ? size : Math.min(size, offset + length);
    Recipe recipe = decode(root);
    GzipRecipe gzip = gzipRecipe(root);
    if (gzip == null) {
      return new RecipeInputStream(store, recipe, offset, end, "blob " + digest);
    }
    String name = "blob " + digest;
    try {
      InputStream in =
          new RegeneratedGzipInputStream(
              new RecipeInputStream(store, recipe, 0, recipe.size(), name),
              gzip,
              digest,
              name,
              offset);
      return BoundedInputStream.builder()
          .setInputStream(in)
          .setMaxCount(end - offset)
          .setPropagateClose(true)
          .get();
    } catch (IOException e) {
      throw new UncheckedIOException(name + ": regenerating it", e);
    }
  }

  /**
   * The uncompressed contents of gzip blob {@code digest} kept as a recipe, read as they are stored
   * (no regeneration: its digest was verified when the recipe was found); null for a blob kept
   * whole.
   */
  public InputStream openUncompressed(Digest digest) {
    Root root = root(digest);
    if (gzipRecipe(root) == null) {
      return null;
    }
    Recipe recipe = decode(root);
    return new RecipeInputStream(store, recipe, 0, recipe.size(), "blob " + digest);
  }

  /** The blob's length. */
  public long size(Digest digest) {
    return root(digest).logicalSize();
  }

  /** The recipe that regenerates gzip blob {@code digest}, or null when it is stored whole. */
  public GzipRecipe gzipRecipe(Digest digest) {
    return gzipRecipe(root(digest));
  }

  /** Size, chunk count and the bytes only this blob holds. */
  public BlobStat stat(Digest digest) {
    Root root = root(digest);
    Recipe recipe = decode(root);
    RoaringBitmap exclusive =
        RoaringBitmap.andNot(root.chunks(), store.referencedExcept(root.name()));
    return new BlobStat(digest, root.logicalSize(), recipe.count(), store.storedBytes(exclusive));
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

  /** What a user calls each blob's root: {@code blob sha256:<hex>}. fsck names damage by it. */
  public Map<String, List<String>> rootNames() {
    Map<String, List<String>> out = new HashMap<>();
    for (Root r : store.roots(PREFIX)) {
      out.put(r.name(), List.of("blob sha256:" + r.name().substring(PREFIX.length())));
    }
    return out;
  }

  /**
   * Removes the name; the chunks go at the next gc unless something else uses them. Refused by the
   * removal guard (see the constructor), nothing removed, when something relies on the blob.
   */
  public void remove(Digest digest) throws IOException {
    root(digest);
    // not between keepAsRecipe's check and its commit, which would name the blob again
    synchronized (this) {
      synchronized (MARKS) {
        removalGuard.check(digest);
        List<RootChange> changes = new ArrayList<>();
        changes.add(new RootChange.Remove(rootName(digest)));
        if (store.root(registryMark(digest)) != null) {
          changes.add(new RootChange.Remove(registryMark(digest)));
        }
        try (var session = store.session()) {
          session.commit(changes);
        }
      }
    }
  }

  /**
   * The chunk list of blob {@code digest}: its bytes, or, for a gzip blob kept as a recipe, its
   * uncompressed contents.
   */
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

  static byte[] encodeGzip(Digest digest, GzipRecipe gzip, Recipe recipe) {
    int prefix = 1 + Digest.LENGTH + gzip.encodedLength();
    ByteBuffer b = recipe.encode(prefix);
    b.put(0, (byte) PAYLOAD_GZIP);
    b.put(1, digest.bytes());
    gzip.encode(b.slice(1 + Digest.LENGTH, gzip.encodedLength()));
    return b.array();
  }

  private static GzipRecipe gzipRecipe(Root root) {
    ByteBuffer b = ByteBuffer.wrap(root.payload());
    if (b.get() != PAYLOAD_GZIP) {
      return null;
    }
    b.position(1 + Digest.LENGTH);
    return GzipRecipe.decode(b, root.name());
  }

  /**
   * Whether blob {@code digest} is held and one of its chunks is known damaged: a write that has
   * its bytes at hand then stores them rather than reuse the blob, which mends it (docs/FORMAT.md,
   * "Mending a damaged chunk").
   */
  public boolean holdsDamaged(Digest digest) {
    Root r = store.root(rootName(digest));
    return r != null && store.holdsDamaged(r.chunks());
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
    int version = b.get();
    if (version != PAYLOAD_VERSION && version != PAYLOAD_GZIP) {
      throw new CorruptDataException(root.name() + ": unknown payload version", root.name());
    }
    b.position(1 + Digest.LENGTH);
    if (version == PAYLOAD_GZIP) {
      GzipRecipe.decode(b, root.name());
    }
    return Recipe.decode(b, root.name());
  }
}
