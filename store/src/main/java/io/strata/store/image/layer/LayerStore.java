package io.strata.store.image.layer;

import io.strata.store.digest.Digest;
import io.strata.store.driver.Kind;
import io.strata.store.driver.Snapshot;
import io.strata.store.driver.SnapshotInfo;
import io.strata.store.driver.StorageDriver;
import io.strata.store.driver.WholeTree;
import io.strata.store.engine.ChunkStore;
import io.strata.store.engine.ObjectWriter;
import io.strata.store.engine.Recipe;
import io.strata.store.engine.RecipeInputStream;
import io.strata.store.engine.WriteSession;
import io.strata.store.error.ConflictException;
import io.strata.store.error.CorruptDataException;
import io.strata.store.error.InvalidArgumentException;
import io.strata.store.error.NotFoundException;
import io.strata.store.error.StrataException;
import io.strata.store.fs.FileSystemView;
import io.strata.store.ref.Root;
import io.strata.store.ref.RootChange;
import io.strata.store.remote.MissingObjectException;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveStructSparse;
import org.roaringbitmap.RoaringBitmap;

/**
 * Layers: each a committed snapshot named by its chain id plus a root {@code img/layer/<hex>}
 * holding its {@link LayerRecord} and the chunks of its tar-split. A layer is built in a temporary
 * active snapshot ({@value #TMP}...), committed under its chain id only once complete and verified,
 * then recorded; a failure removes the temporary snapshot, so nothing half-applied is ever visible.
 * Callers serialize changes (the image store's write lock).
 */
public final class LayerStore {
  public static final String TMP = "img-tmp-";

  /** Writes a layer's files into a fresh snapshot (a directory, a tar, a build step). */
  public interface TreeWriter {
    void write(FileSystemView fs) throws IOException;
  }

  /**
   * A layer an import or build produced or found.
   *
   * @param layer the layer
   * @param reused whether it existed already
   */
  public record Result(LayerRecord layer, boolean reused) {}

  private final ChunkStore chunks;
  private final StorageDriver driver;
  private final ImportLimits limits;
  // Plain tars described by reading their tree back: tests tell the two ways apart by it.
  private final AtomicLong readBacks = new AtomicLong();
  private static final System.Logger LOG = System.getLogger(LayerStore.class.getName());
  // removed layers whose snapshots were held by another (a zfs clone), children first
  private final java.util.Set<String> deferred = new java.util.LinkedHashSet<>();

  public LayerStore(ChunkStore chunks, StorageDriver driver, ImportLimits limits) {
    this.chunks = chunks;
    this.driver = driver;
    this.limits = limits;
  }

  /** The layer with chain id {@code chainId}, or null. */
  public LayerRecord find(String chainId) {
    Root r = chunks.root(LayerRecord.rootName(chainId));
    return r == null ? null : JsonCodec.read(r.payload(), LayerRecord.class, r.name());
  }

  public LayerRecord get(String chainId) {
    LayerRecord l = find(chainId);
    if (l == null) {
      throw new NotFoundException("layer " + chainId + " not found");
    }
    return l;
  }

  /** Every layer, by chain id. */
  public Map<String, LayerRecord> all() {
    Map<String, LayerRecord> out = new TreeMap<>();
    for (Root r : chunks.roots(LayerRecord.PREFIX)) {
      LayerRecord l = JsonCodec.read(r.payload(), LayerRecord.class, r.name());
      out.put(l.chainId(), l);
    }
    return out;
  }

  public static String chain(String parent, Digest diffId) {
    if (parent == null) {
      return diffId.toString();
    }
    byte[] b = (parent + " " + diffId).getBytes(StandardCharsets.US_ASCII);
    return Digest.sha256(b, 0, b.length).toString();
  }

  /**
   * Imports the layer blob {@code raw} (plain, gzip or zstd) over layer {@code parent}, keeping its
   * tar byte for byte. {@code expectedDiff} and {@code expectedBlob} (null: unknown) are checked
   * while streaming; with {@code expectedDiff} known and the layer present, nothing is stored. A
   * present layer with a chunk known damaged is made again from {@code raw}, which mends it.
   */
  public Result importTar(
      String parent, InputStream raw, Digest expectedDiff, Digest expectedBlob, String what)
      throws IOException {
    MessageDigest blobSha = Digest.newSha256();
    MessageDigest diffSha = Digest.newSha256();
    CountingInputStream compressed = new CountingInputStream(new DigestInputStream(raw, blobSha));
    InputStream counted = compressed;
    if (expectedDiff != null) {
      LayerRecord existing = find(chain(parent, expectedDiff));
      if (existing != null && !damaged(existing.chainId())) {
        // Held already: nothing is applied, but the blob is still read and checked, so a
        // damaged or lying archive is refused whatever the store holds (issue #14 item 4).
        CountingInputStream tarBytes =
            new CountingInputStream(parsing(LayerCompression.decompress(counted, diffSha), what));
        byte[] buf = new byte[64 << 10];
        while (tarBytes.read(buf, 0, buf.length) >= 0) {
          limits.checkSize(what, tarBytes.count(), compressed.count());
        }
        compressed.transferTo(OutputStream.nullOutputStream());
        check(what, blobSha, expectedBlob, diffSha, expectedDiff);
        return new Result(existing, true);
      }
    }
    return build(
        parent,
        (tmp, fs, session) -> {
          TarSplitWriter split = new TarSplitWriter(session.newObject());
          SideContent sides = new SideContent(fs, session);
          RecordingInputStream rec =
              new RecordingInputStream(
                  LayerCompression.decompress(counted, diffSha),
                  split,
                  n -> limits.checkSize(what, n, compressed.count()));
          CheckedTarInputStream tar = new CheckedTarInputStream(new RecordPadding(rec), what);
          LayerApplier applier =
              parent == null
                  ? LayerApplier.onEmptyTree(fs, sides::before)
                  : new LayerApplier(fs, "/", sides::before);
          InputStream content = parsing(rec.contentOf(tar), what);
          TarArchiveEntry e;
          long entries = 0;
          while (true) {
            rec.startEntry();
            if ((e = tar.nextEntry()) == null) {
              break;
            }
            limits.checkEntries(what, ++entries);
            String stored = apply(applier, e, content, rec::xattrs, what);
            if (stored != null && e.isSparse()) {
              // the tar holds the data ranges only, one after the other
              for (TarArchiveStructSparse r : LayerApplier.sparseMap(e.getName(), e)) {
                if (r.getNumbytes() > 0) {
                  sides.track(stored, split.range(stored, r.getOffset(), r.getNumbytes()));
                }
              }
            } else if (stored != null) {
              sides.track(stored, split.file(stored, e.getSize()));
            }
          }
          applier.finish();
          parsing(rec, what).transferTo(OutputStream.nullOutputStream());
          counted.transferTo(OutputStream.nullOutputStream());
          Digest diff = check(what, blobSha, expectedBlob, diffSha, expectedDiff);
          long size = split.tarSize();
          return new Built(diff, split.finish(), size, sides.recipes());
        });
  }

  /** Checks the blob's and the tar's digests against those expected (null: unknown). */
  private static Digest check(
      String what,
      MessageDigest blobSha,
      Digest expectedBlob,
      MessageDigest diffSha,
      Digest expectedDiff) {
    Digest blob = Digest.of(blobSha.digest());
    if (expectedBlob != null && !blob.equals(expectedBlob)) {
      throw new InvalidArgumentException(
          what + ": blob has digest " + blob + ", the manifest says " + expectedBlob);
    }
    Digest diff = Digest.of(diffSha.digest());
    if (expectedDiff != null && !diff.equals(expectedDiff)) {
      throw new InvalidArgumentException(
          what + ": uncompressed tar has digest " + diff + ", the config says " + expectedDiff);
    }
    return diff;
  }

  /**
   * Makes a layer over {@code parent} from what {@code writer} puts in the tree, described by its
   * canonical tar ({@link CanonicalTar}).
   */
  public Result importTree(String parent, TreeWriter writer) throws IOException {
    return build(
        parent,
        (tmp, fs, session) -> {
          writer.write(fs);
          fs.sync();
          MessageDigest sha = Digest.newSha256();
          if (parent == null && regeneratesSplits()) {
            // a whole tree: its split is regenerated from it (version 2)
            CanonicalTar.Described d = CanonicalTar.whole(fs, session.newObject(), sha);
            return new Built(Digest.of(sha.digest()), d.split(), d.tarSize(), Map.of());
          }
          TarSplitWriter split = new TarSplitWriter(session.newObject());
          CanonicalTar.write(
              fs, parent == null ? WholeTree.of(fs) : driver.diff(tmp, parent), split, sha);
          long size = split.tarSize();
          return new Built(Digest.of(sha.digest()), split.finish(), size, Map.of());
        });
  }

  /**
   * Imports the plain tar {@code raw} (plain, gzip or zstd) as a layer on no parent, described by
   * its canonical tar ({@link CanonicalTar}), as {@link #importTree} describes a tree. A tar that
   * is already in the canonical form (what {@code strata image import DIR} sends) is hashed while
   * it streams in, and is not read back: its tar-split is compared with the canonical tar's, which
   * {@link CanonicalTar#describe} makes from the tree's metadata alone, and equal splits mean equal
   * tars (the file records name the same files, the segments hold the same bytes). Any other tar
   * (another order, names with {@code ./}, another user name, sparse entries, duplicates) is
   * described by reading the tree back. {@code what} names the tar in messages.
   */
  public Result importPlainTar(InputStream raw, String what) throws IOException {
    return build(
        null,
        (tmp, fs, session) -> {
          MessageDigest sha = Digest.newSha256();
          CountingInputStream compressed = new CountingInputStream(raw);
          // the stream's split is only hashed: if it equals the canonical one, that one is stored
          MessageDigest streamedSplit = Digest.newSha256();
          TarSplitWriter split = new TarSplitWriter(null, streamedSplit);
          RecordingInputStream rec =
              new RecordingInputStream(
                  LayerCompression.decompress(compressed, sha),
                  split,
                  n -> limits.checkSize(what, n, compressed.count()));
          CheckedTarInputStream tar = new CheckedTarInputStream(new RecordPadding(rec), what);
          LayerApplier applier = LayerApplier.onEmptyTree(fs, p -> {});
          InputStream content = parsing(rec.contentOf(tar), what);
          TarArchiveEntry e;
          long entries = 0;
          while (true) {
            rec.startEntry();
            if ((e = tar.nextEntry()) == null) {
              break;
            }
            limits.checkEntries(what, ++entries);
            String stored = apply(applier, e, content, rec::xattrs, what);
            // as the canonical tar's: no record for an empty file; a sparse entry's data ranges
            // differ from its canonical entry, so such a tar is read back below
            if (stored != null && e.getSize() > 0) {
              split.file(stored, e.getSize());
            }
          }
          applier.finish();
          parsing(rec, what).transferTo(OutputStream.nullOutputStream());
          compressed.transferTo(OutputStream.nullOutputStream());
          split.finish();
          fs.sync();
          WholeTree changes = WholeTree.of(fs);
          MessageDigest describedSplit = Digest.newSha256();
          // hashed to compare, stored as version 2: the tree regenerates it (CanonicalSplit); in
          // a shared store, stored as it is (see regeneratesSplits)
          boolean regenerated = regeneratesSplits();
          TarSplitWriter described =
              new TarSplitWriter(regenerated ? null : session.newObject(), describedSplit);
          CanonicalTar.describe(fs, changes, described);
          long canonicalSize;
          ObjectWriter.Written canonical;
          if (regenerated) {
            described.finish();
            CanonicalTar.Described stored = CanonicalTar.stored(session.newObject(), described);
            canonicalSize = stored.tarSize();
            canonical = stored.split();
          } else {
            canonicalSize = described.tarSize();
            canonical = described.finish();
          }
          if (MessageDigest.isEqual(streamedSplit.digest(), describedSplit.digest())) {
            return new Built(Digest.of(sha.digest()), canonical, canonicalSize, Map.of());
          }
          readBacks.incrementAndGet();
          MessageDigest canonicalSha = Digest.newSha256();
          CanonicalTar.hash(fs, changes, canonicalSha);
          return new Built(Digest.of(canonicalSha.digest()), canonical, canonicalSize, Map.of());
        });
  }

  /**
   * Whether a whole tree's layer keeps a version 2 split, regenerated from the tree. Not in a store
   * sharing a bucket: another node makes an image from the catalogue's plan and the chunks in the
   * bucket, with no tree to regenerate the headers from, so the split's bytes must be chunks it can
   * fetch (a host transfer sends version 1 bytes made on demand instead; ScaleOutIT).
   */
  private boolean regeneratesSplits() {
    return chunks.shared() == null;
  }

  /** How many plain tars {@link #importPlainTar} described by reading their tree back. */
  public long plainTarsReadBack() {
    return readBacks.get();
  }

  /** Applies the tar {@code raw} (plain, gzip or zstd) to {@code fs} under {@code prefix}. */
  public static void extract(FileSystemView fs, InputStream raw, String prefix, String what)
      throws IOException {
    CheckedTarInputStream tar = new CheckedTarInputStream(LayerCompression.decompress(raw), what);
    LayerApplier applier = new LayerApplier(fs, prefix, p -> {});
    InputStream content = parsing(tar, what);
    TarArchiveEntry e;
    while ((e = tar.nextEntry()) != null) {
      apply(applier, e, content, tar::exactXattrs, what);
    }
    applier.finish();
  }

  /**
   * Applies entry {@code e} of the tar {@code what} names ({@code exactXattrs}: its xattrs byte for
   * byte, or null); a refusal names the tar as well as the entry.
   */
  private static String apply(
      LayerApplier applier,
      TarArchiveEntry e,
      InputStream content,
      Supplier<Map<String, byte[]>> exactXattrs,
      String what)
      throws IOException {
    try {
      return exactXattrs == null
          ? applier.apply(e, content)
          : applier.apply(e, content, exactXattrs);
    } catch (InvalidArgumentException refused) {
      String m = refused.getMessage();
      if (m != null && m.startsWith(what + ": ")) {
        throw refused;
      }
      throw new InvalidArgumentException(what + ": " + m, refused);
    }
  }

  /** The tar of {@code layer}, regenerated byte for byte. */
  public InputStream open(LayerRecord layer) throws IOException {
    return new RegeneratedTar(splitReader(layer), Digest.parse(layer.diffId()), contents(layer));
  }

  /** A reader of {@code layer}'s tar-split, either version (see {@link TarSplitReader}). */
  public TarSplitReader splitReader(LayerRecord layer) throws IOException {
    return new TarSplitReader(
        chunks, layer.splitRecipe(), "layer " + layer.diffId(), driver.fs(layer.chainId()));
  }

  /**
   * {@code layer}'s tar-split as version 1 writes it (every segment's bytes), for a reader without
   * the layer's tree: a transfer's receiver. A version 1 split gives its stored bytes.
   */
  public InputStream splitVersion1(LayerRecord layer) throws IOException {
    TarSplitReader reader = splitReader(layer);
    if (reader.version() == 1) {
      reader.close();
      Recipe r = layer.splitRecipe();
      return new RecipeInputStream(chunks, r, 0, r.size(), "tar-split of layer " + layer.diffId());
    }
    return new SplitVersion1(reader);
  }

  /**
   * Where a layer's file records are read from: the side content a later entry of the tar replaced,
   * else the file in the layer's snapshot.
   */
  public RegeneratedTar.Contents contents(LayerRecord layer) {
    Map<Integer, Recipe> sides = layer.sideRecipes();
    FileSystemView fs = driver.fs(layer.chainId());
    String where = "layer " + layer.diffId();
    return (number, path, offset) -> {
      Recipe side = sides.get(number);
      if (side != null) {
        return new RecipeInputStream(
            chunks, side, offset, Math.max(0, side.size() - offset), where);
      }
      return offset == 0 ? fs.open(path) : from(fs, path, offset);
    };
  }

  /** The content of {@code path} from byte {@code offset} on. */
  private static InputStream from(FileSystemView fs, String path, long offset) {
    return new InputStream() {
      private long pos = offset;

      @Override
      public int read() throws IOException {
        byte[] one = new byte[1];
        return read(one, 0, 1) < 0 ? -1 : one[0] & 0xFF;
      }

      @Override
      public int read(byte[] b, int off, int len) throws IOException {
        int n = fs.read(path, pos, b, off, len);
        if (n > 0) {
          pos += n;
        }
        return n;
      }
    };
  }

  /**
   * Whether a chunk of layer {@code chainId}'s tree or tar-split is known damaged: such a layer is
   * made again from the bytes that come, not reused (docs/ADVERSARIAL.md, S3).
   */
  public boolean damaged(String chainId) {
    return chunks.holdsDamaged(chunkSet(chainId));
  }

  /** The chunks {@code chainId}'s tree and tar-split use. */
  public RoaringBitmap chunkSet(String chainId) {
    RoaringBitmap out = new RoaringBitmap();
    Root snap = chunks.root(Snapshot.rootName(chainId));
    if (snap != null) {
      out.or(snap.chunks());
    }
    Root layer = chunks.root(LayerRecord.rootName(chainId));
    if (layer != null) {
      out.or(layer.chunks());
    }
    return out;
  }

  /**
   * Removes layers (records in one commit, then snapshots), given children before parents. A
   * snapshot something else still holds (on zfs, a clone containerd made of the layer) stays, with
   * the layers under it, until {@link #removeDeferred} finds it free: the layers are gone for the
   * store, and the removal that asked for it succeeded.
   */
  public void remove(List<String> topDown) throws IOException {
    List<RootChange> changes = new ArrayList<>();
    for (String c : topDown) {
      changes.add(new RootChange.Remove(LayerRecord.rootName(c)));
    }
    try (WriteSession s = chunks.session()) {
      s.commit(changes);
    }
    for (int i = 0; i < topDown.size(); i++) {
      try {
        driver.remove(topDown.get(i));
      } catch (ConflictException held) {
        List<String> left = topDown.subList(i, topDown.size());
        synchronized (deferred) {
          deferred.addAll(left);
        }
        LOG.log(
            System.Logger.Level.INFO,
            "layers {0}: their snapshots stay while another snapshot holds them ({1}); the first"
                + " gc after it is gone removes them",
            left,
            held.getMessage());
        return;
      }
    }
  }

  /**
   * Removes the snapshots of removed layers that were held when their layers were removed and are
   * free now, and those of failed layer builds whose removal failed (called before each gc); those
   * still held stay for the next.
   */
  public void removeDeferred() throws IOException {
    List<String> keys;
    synchronized (deferred) {
      keys = new ArrayList<>(deferred);
    }
    for (String c : keys) {
      try {
        driver.remove(c);
      } catch (NotFoundException gone) {
        // removed meanwhile
      } catch (ConflictException stillHeld) {
        continue; // and so are the layers under it, which fail the same way
      }
      synchronized (deferred) {
        deferred.remove(c);
      }
    }
  }

  /**
   * Removes the layers an operation that failed had added ({@code added}, bottom first), top down:
   * what leaves the store as it was.
   */
  public void rollBack(List<String> added) throws IOException {
    if (added.isEmpty()) {
      return;
    }
    List<String> topDown = new ArrayList<>(added);
    Collections.reverse(topDown);
    remove(topDown);
  }

  /**
   * Whether {@code chunks} holds the layer with chain id {@code chainId} ({@code sha256:<hex>}), as
   * an import or pull leaves it: a layer record and the committed snapshot named by the chain id.
   */
  public static boolean holds(ChunkStore chunks, String chainId) {
    return chainId.startsWith("sha256:")
        && chainId.length() == 7 + 64
        && chunks.root(LayerRecord.rootName(chainId)) != null
        && chunks.root(Snapshot.rootName(chainId)) != null;
  }

  /**
   * The layers with a record outside {@code live}, children before parents (the order {@link
   * #remove} takes).
   */
  public List<String> outsideTopDown(Set<String> live) {
    Map<String, LayerRecord> made = all();
    Map<String, Integer> depth = new HashMap<>();
    for (String c : made.keySet()) {
      if (!live.contains(c)) {
        int d = 0;
        for (LayerRecord l = made.get(c);
            l != null && l.parent() != null;
            l = made.get(l.parent())) {
          d++;
        }
        depth.put(c, d);
      }
    }
    List<String> out = new ArrayList<>(depth.keySet());
    out.sort((a, b) -> Integer.compare(depth.get(b), depth.get(a)));
    return out;
  }

  /**
   * Puts the store back in a state some completed operation left: removes temporary snapshots,
   * layers outside {@code live} (an import or removal cut short) and layer snapshots without a
   * record. Run before any other use.
   */
  public void recover(Set<String> live) throws IOException {
    Map<String, LayerRecord> layers = all();
    List<String> dead = new ArrayList<>();
    for (String c : layers.keySet()) {
      if (!live.contains(c)) {
        dead.add(c);
      }
    }
    if (!dead.isEmpty()) {
      List<RootChange> changes = new ArrayList<>();
      dead.forEach(c -> changes.add(new RootChange.Remove(LayerRecord.rootName(c))));
      try (WriteSession s = chunks.session()) {
        s.commit(changes);
      }
    }
    Set<String> doomed = new HashSet<>();
    driver.walk(
        s -> {
          boolean tmp = s.key().startsWith(TMP);
          boolean orphan =
              s.key().startsWith("sha256:")
                  && s.kind() == Kind.COMMITTED
                  && (dead.contains(s.key()) || !layers.containsKey(s.key()));
          if (tmp || orphan) {
            doomed.add(s.key());
          }
        });
    removeChildrenFirst(doomed);
  }

  private void removeChildrenFirst(Set<String> keys) throws IOException {
    boolean progress = true;
    while (!keys.isEmpty() && progress) {
      progress = false;
      Map<String, Integer> children = new HashMap<>();
      driver.walk(
          (SnapshotInfo s) -> {
            if (s.parent() != null) {
              children.merge(s.parent(), 1, Integer::sum);
            }
          });
      for (String k : new ArrayList<>(keys)) {
        if (!children.containsKey(k)) {
          driver.remove(k);
          keys.remove(k);
          progress = true;
        }
      }
    }
  }

  // ---- building one layer ----

  private interface Body {
    Built run(String tmp, FileSystemView fs, WriteSession session) throws IOException;
  }

  private record Built(
      Digest diffId, ObjectWriter.Written split, long tarSize, Map<Integer, Recipe> sides) {}

  private Result build(String parent, Body body) throws IOException {
    String tmp = TMP + UUID.randomUUID();
    driver.prepare(tmp, parent, Map.of());
    boolean committed = false;
    try (WriteSession session = chunks.session()) {
      FileSystemView fs = driver.fs(tmp);
      fs.deferSync(true);
      Built b = body.run(tmp, fs, session);
      fs.sync();
      String chainId = chain(parent, b.diffId());
      LayerRecord existing = find(chainId);
      if (existing != null) {
        // the tree just written stored every chunk it shares with the layer again, mending those
        // known damaged; one still damaged (a tree node the new tree does not share) is refused
        // rather than reused by a new image
        if (damaged(chainId)) {
          throw new CorruptDataException(
              "layer "
                  + chainId
                  + ": its stored copy is damaged and importing it again does not mend it;"
                  + " remove the images that use it, run gc, and import it again",
              "layer " + chainId);
        }
        return new Result(existing, true);
      }
      driver.commit(chainId, tmp);
      committed = true;
      Map<Integer, String> sides = new TreeMap<>();
      RoaringBitmap refs = b.split().recipe().chunkSet();
      b.sides()
          .forEach(
              (n, r) -> {
                sides.put(n, LayerRecord.encode(r));
                refs.or(r.chunkSet());
              });
      LayerRecord layer =
          new LayerRecord(
              chainId,
              b.diffId().toString(),
              parent,
              b.tarSize(),
              LayerRecord.encode(b.split().recipe()),
              sides);
      session.commit(
          List.of(
              new RootChange.Put(
                  new Root(
                      LayerRecord.rootName(chainId), layer.size(), JsonCodec.bytes(layer), refs))));
      return new Result(layer, false);
    } catch (UncheckedIOException e) {
      throw e.getCause();
    } finally {
      if (!committed) {
        removeBuilt(tmp);
      }
    }
  }

  /**
   * Removes the snapshot of a layer build that did not commit; when that fails too (a full disk,
   * where the build most likely failed first), the first gc removes it ({@link #removeDeferred}).
   * Thrown from {@link #build}'s finally, the removal's failure hid the build's, and the snapshot
   * stayed, holding its chunks until a restart.
   */
  private void removeBuilt(String tmp) {
    try {
      driver.remove(tmp);
    } catch (NotFoundException | ConflictException e) {
      // already gone
    } catch (IOException | UncheckedIOException | StrataException e) {
      synchronized (deferred) {
        deferred.add(tmp);
      }
      LOG.log(
          System.Logger.Level.WARNING,
          "layer build {0}: its snapshot is not removed now ({1}); the first gc removes it",
          tmp,
          e.getMessage());
    }
  }

  /** {@code in}, with read failures reported as a bad archive rather than a store failure. */
  private static InputStream parsing(InputStream in, String what) {
    return new FilterInputStream(in) {
      @Override
      public int read() throws IOException {
        byte[] one = new byte[1];
        return read(one, 0, 1) < 0 ? -1 : one[0] & 0xFF;
      }

      @Override
      public int read(byte[] b, int off, int len) {
        try {
          return in.read(b, off, len);
        } catch (MissingObjectException e) {
          throw CheckedTarInputStream.lost(what, e);
        } catch (IOException e) {
          throw CheckedTarInputStream.readFailed(what, e, e.getMessage());
        } catch (IllegalArgumentException e) {
          throw new InvalidArgumentException(
              what + ": truncated or corrupt tar (" + e.getMessage() + ")", e);
        }
      }

      @Override
      public void close() {}
    };
  }

  /**
   * Content of this tar that a later entry replaces: saved apart before it goes, so the earlier
   * entry can still be regenerated.
   */
  private static final class SideContent {
    private final FileSystemView fs;
    private final WriteSession session;
    private final TreeMap<String, List<Integer>> stored = new TreeMap<>();
    private final Map<Integer, Recipe> saved = new TreeMap<>();

    SideContent(FileSystemView fs, WriteSession session) {
      this.fs = fs;
      this.session = session;
    }

    void track(String path, int fileNumber) {
      stored.computeIfAbsent(path, p -> new ArrayList<>()).add(fileNumber);
    }

    void before(String path) throws IOException {
      List<String> hit = new ArrayList<>();
      if (stored.containsKey(path)) {
        hit.add(path);
      }
      hit.addAll(stored.subMap(path + "/", path + "/\uffff").keySet());
      for (String p : hit) {
        ObjectWriter w = session.newObject();
        try (InputStream in = fs.open(p)) {
          w.writeAll(in);
        }
        Recipe side = w.finish().recipe();
        for (int number : stored.remove(p)) {
          saved.put(number, side);
        }
      }
    }

    Map<Integer, Recipe> recipes() {
      return saved;
    }
  }
}
