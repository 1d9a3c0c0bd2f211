package io.strata.store.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.strata.store.blob.BlobService;
import io.strata.store.blob.BlobWriter;
import io.strata.store.blob.PutResult;
import io.strata.store.digest.Digest;
import io.strata.store.engine.ChunkStore;
import io.strata.store.engine.StopSignal;
import io.strata.store.engine.WriteSession;
import io.strata.store.error.InvalidArgumentException;
import io.strata.store.error.NotFoundException;
import io.strata.store.gzip.GzipRecipe;
import io.strata.store.image.ImageStore;
import io.strata.store.image.WholeLayerBlobs;
import io.strata.store.ref.Root;
import io.strata.store.ref.RootChange;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.LongSupplier;
import org.roaringbitmap.RoaringBitmap;

/**
 * A registry's repositories over the chunk store. Roots:
 *
 * <pre>
 *   reg/link/REPO@HEX       a blob (or manifest) REPO holds; keeps the blob's chunks alive
 *   reg/manifest/REPO@HEX   a manifest of REPO; payload: its descriptor as JSON
 *   reg/tag/REPO:TAG        payload: the manifest's digest, {@code sha256:HEX}
 *   reg/import/REPO:TAG     a tagged push whose Strata image import has not succeeded yet; payload:
 *                           the manifest's digest (committed with the tag, removed once the import
 *                           ran, or failed for good: the manifest is no image Strata imports)
 *   reg/blob/HEX            blob HEX was stored for the registry alone ({@link
 *                           BlobService#REGISTRY_OWNED}): its root goes when nothing uses it
 *   reg/published/REPO:TAG  the tag was published from the Strata image REPO:TAG (a pull by name
 *                           of an image the registry lacked); payload: that image's id. Committed
 *                           with the tag, removed with it or by a push of it
 *   reg/view/REPO@HEX       manifest HEX of REPO was stored by a publication (not pushed): a view
 *                           of the Strata image whose id is the payload, deleted once no current
 *                           tag of REPO names it ({@link #dropStaleViews}). Committed with the
 *                           manifest when the repository did not hold it yet, removed with it or
 *                           by a push of the same manifest
 * </pre>
 *
 * <p>Registry and image store are one namespace: a pushed tag becomes the Strata image of that
 * name, and a tag published from a Strata image is served only while that name still names the
 * image it was published from ({@link #manifest}, {@link #tags}): once the user moves or removes
 * the name (import, build, tag, commit, rm), the published tag is stale and not served, so the next
 * pull by name publishes the current image. A pushed tag is the registry's own and stays as pushed
 * whatever becomes of the Strata name. A manifest a publication stored is a view of its image, not
 * content anyone pushed: once no current tag names it (its name moved or was removed, and no pushed
 * tag or current publication names the same manifest), it is deleted as a DELETE by digest deletes
 * it, so that the next gc frees what only it kept.
 *
 * <p>Ownership: a blob root the registry created is marked, and released (root and mark removed in
 * the commit that removes its last use) when no link or manifest record of any repository, no
 * staged file, no pending import and no image that keeps it whole uses it; a gc then frees its
 * chunks. A blob someone else put ({@code strata blob put}, an image import, any blob of an earlier
 * release) carries no mark and is never removed here. Every use is added under this monitor after
 * checking, under it, that the blob is still there; every release is decided and committed under it
 * and the marks' lock ({@link BlobService#underMarks}), so a release never takes a blob something
 * just started to use.
 *
 * <p>The bytes of blobs and manifests are {@link BlobService} blobs, so an equal blob pushed to two
 * repositories (or put with {@code strata blob put}) is stored once. A gzip layer pushed to a
 * registry with {@link StagedBlobs} is first a staged file, its links holding no chunks yet, until
 * {@link #storeStaged} has made it a blob: every read here sees a staged blob as present. Changes
 * are serialized; reads run alongside them.
 */
public final class RegistryStore {
  static final String LINK = "reg/link/";
  static final String MANIFEST = "reg/manifest/";
  static final String TAG = "reg/tag/";
  static final String IMPORT = "reg/import/";
  static final String PUBLISHED = "reg/published/";
  static final String VIEW = "reg/view/";
  private static final ObjectMapper MAPPER = new ObjectMapper();

  /**
   * How often a put starts again when its blob went between the store and the link. Releases never
   * take a blob being linked ({@link #linking}); only a user's {@code strata blob rm} can.
   */
  private static final int RELINK_ATTEMPTS = 8;

  private final ChunkStore chunks;
  private final BlobService blobs;
  private final ChunkIndexPublisher chunkIndexes;
  // null: every blob enters the chunk store at its PUT
  private final StagedBlobs staged;

  /**
   * Blobs a push is storing or linking right now, with how many pushes: a use like a link, so no
   * release takes one between its store (or the look that found it stored) and its link. Guarded by
   * this monitor.
   */
  private final Map<Digest, Integer> linking = new HashMap<>();

  /**
   * Repositories a publication is storing an image into, with how many: {@link #dropStaleViews}
   * leaves them alone, since it could take the links of blobs the publication found linked already
   * before its manifest names them. Guarded by this monitor.
   */
  private final Map<String, Integer> publishing = new HashMap<>();

  /** The links clients were just told of: deletions leave them for a grace ({@link ToldLinks}). */
  private final ToldLinks told;

  /**
   * Links, as {@code REPO@HEX}, a deletion would have taken but left to a client told of them
   * ({@link ToldLinks}): once the grace has passed, {@link #dropStaleViews} takes each that no
   * manifest of its repository names by then. Guarded by this monitor.
   */
  private final Set<String> deferred = new LinkedHashSet<>();

  /** A registry that stores every blob at its PUT (no staged blobs). */
  public RegistryStore(ChunkStore chunks, BlobService blobs) {
    this(chunks, blobs, null);
  }

  /** A registry whose gzip layers wait as {@code staged} files until {@link #storeStaged}. */
  public RegistryStore(ChunkStore chunks, BlobService blobs, StagedBlobs staged) {
    this(chunks, blobs, staged, System::currentTimeMillis, ToldLinks.GRACE);
  }

  /** A registry whose grace for links clients were told of runs on {@code millis}. */
  RegistryStore(
      ChunkStore chunks,
      BlobService blobs,
      StagedBlobs staged,
      LongSupplier millis,
      java.time.Duration grace) {
    this.told = new ToldLinks(millis, grace);
    this.chunks = chunks;
    this.blobs = blobs;
    this.staged = staged;
    this.chunkIndexes = new ChunkIndexPublisher(chunks, blobs, this);
  }

  /** The staged blobs, or null when this registry stores every blob at its PUT. */
  public StagedBlobs staged() {
    return staged;
  }

  /** The chunk-index artifacts of this registry's images (Strata-to-Strata pulls). */
  public ChunkIndexPublisher chunkIndexes() {
    return chunkIndexes;
  }

  // ---- blobs ----

  /** Whether {@code repo} holds blob {@code d}, damaged or not. */
  public boolean hasBlob(String repo, Digest d) {
    return chunks.root(LINK + repo + "@" + d.hex()) != null && present(d);
  }

  /**
   * {@link #hasBlob}, for a HEAD, whose yes a pushing client relies on in the manifest it PUTs
   * next: the link is kept from deletions for a grace ({@link ToldLinks}). No commit: a map update.
   */
  public boolean hasBlobTelling(String repo, Digest d) {
    synchronized (told) {
      // the look and the record are one step against a deletion's decision and commit
      if (chunks.root(LINK + repo + "@" + d.hex()) == null) {
        return false;
      }
      told.record(repo, d);
    }
    return present(d);
  }

  /**
   * Whether {@code repo} holds blob {@code d} and none of its chunks is known damaged: what a HEAD,
   * a GET and a cross-repository mount answer, so that a client pushing a blob the store holds
   * damaged uploads its bytes, which mends it, instead of skipping it (docs/ADVERSARIAL.md, S3).
   */
  public boolean hasIntactBlob(String repo, Digest d) {
    // a staged file is read instead of the chunks, and its store mends them
    return hasBlob(repo, d) && (isStaged(d) || intactBlobRoot(d) != null);
  }

  /**
   * Whether blob {@code d} is staged or stored. The staged file is looked for first: its job
   * commits the blob's root before it deletes the file, so a file gone means a root there.
   */
  private boolean present(Digest d) {
    return isStaged(d) || blobRoot(d) != null;
  }

  /** Whether blob {@code d} is a staged file, not (yet) in the chunk store. */
  public boolean isStaged(Digest d) {
    return staged != null && staged.has(d);
  }

  /** The length of blob {@code d}. */
  public long blobSize(Digest d) {
    if (isStaged(d)) {
      try {
        return staged.size(d);
      } catch (NoSuchFileException e) {
        // stored since: the root is there
      } catch (IOException e) {
        throw new UncheckedIOException("blob " + d + ": reading its staged file", e);
      }
    }
    return blobs.size(d);
  }

  /**
   * The recipe that regenerates gzip blob {@code d}, or null when it is stored whole (or staged:
   * whole for now).
   */
  public GzipRecipe gzipRecipe(Digest d) {
    return isStaged(d) ? null : blobs.gzipRecipe(d);
  }

  /**
   * The uncompressed contents of gzip blob {@code d} kept as a recipe, as stored (its digest was
   * verified at push); null for a blob kept whole or staged.
   */
  public InputStream openUncompressed(Digest d) {
    return isStaged(d) ? null : blobs.openUncompressed(d);
  }

  /**
   * The bytes of blob {@code d} from {@code offset}, {@code length} of them (-1: to the end): from
   * its staged file while there is one, else from the chunk store.
   */
  public InputStream openBlob(Digest d, long offset, long length) {
    if (isStaged(d)) {
      try {
        return staged.open(d, offset, length);
      } catch (NoSuchFileException e) {
        // its job stored it and deleted the file since: the root is there
      } catch (IOException e) {
        throw new UncheckedIOException("blob " + d + ": reading its staged file", e);
      }
    }
    return blobs.open(d, offset, length);
  }

  /**
   * Stores the bytes {@code in} yields as blob {@code expected} of {@code repo}. Refused, and
   * nothing named, when they do not hash to {@code expected}.
   */
  public PutResult putBlob(String repo, Digest expected, InputStream in) throws IOException {
    Names.checkRepository(repo);
    if (intactBlobRoot(expected) != null) {
      synchronized (this) {
        if (present(expected) && link(repo, expected)) {
          return new PutResult(expected, blobSize(expected), 0, 0);
        }
      }
    }
    // the bytes go in outside the lock, so uploads to the registry run side by side; the blob and
    // its link are one commit, so no release comes between (the stream cannot be read twice)
    try (BlobWriter w = blobs.create(BlobService.Owner.REGISTRY)) {
      byte[] buf = new byte[256 << 10];
      int n;
      while ((n = in.read(buf)) > 0) {
        w.write(buf, 0, n);
      }
      synchronized (this) {
        String name = LINK + repo + "@" + expected.hex();
        return w.commitWith(
            expected,
            held -> List.of(new RootChange.Put(new Root(name, 0, new byte[0], held.clone()))));
      }
    }
  }

  /**
   * Stores the file {@code file} (an upload's spool) as blob {@code expected} of {@code repo}. A
   * gzip layer a known compressor reproduces is kept as its uncompressed contents and a recipe
   * ({@link BlobService#putFile}). Refused, and nothing named, when it does not hash to {@code
   * expected}.
   */
  public PutResult putBlobFile(String repo, Digest expected, Path file) throws IOException {
    return putAndLink(
        repo, expected, () -> blobs.putFile(file, expected, BlobService.Owner.REGISTRY), false);
  }

  /**
   * Makes the file {@code file} (an upload's spool whose bytes the caller found to hash to {@code
   * expected}) blob {@code expected} of {@code repo}: a gzip blob is staged ({@link
   * StagedBlobs#stage}: forced to disk and hard-linked, not chunked) and linked with no chunks yet,
   * and true is returned: {@link #storeStaged} must follow (at the latest after a restart, for
   * every staged blob). Any other blob, or any blob of a registry without staged blobs, is stored
   * at once ({@link #putBlobFile}; false).
   */
  public boolean putBlobFileStaged(String repo, Digest expected, Path file) throws IOException {
    return putBlobFileStaged(repo, expected, file, false);
  }

  /**
   * {@link #putBlobFileStaged(String, Digest, Path)} for a client's upload, answered 201: the link
   * is kept from deletions for a grace ({@link ToldLinks}), so that the manifest the client PUTs
   * next finds it.
   */
  public boolean putUploadedBlob(String repo, Digest expected, Path file) throws IOException {
    return putBlobFileStaged(repo, expected, file, true);
  }

  private boolean putBlobFileStaged(String repo, Digest expected, Path file, boolean tell)
      throws IOException {
    Names.checkRepository(repo);
    if (staged == null || !StagedBlobs.isGzip(file)) {
      putAndLink(
          repo, expected, () -> blobs.putFile(file, expected, BlobService.Owner.REGISTRY), tell);
      return false;
    }
    boolean stagedHere = false;
    startLinking(expected);
    try {
      for (int attempt = 1; ; attempt++) {
        if (intactBlobRoot(expected) == null) {
          staged.stage(expected, file);
          stagedHere = true;
        }
        synchronized (this) {
          if (present(expected) && link(repo, expected)) {
            tell(tell, repo, expected);
            return stagedHere;
          }
        }
        // removed between the look and the link (a `strata blob rm`): stage it again
        relinkFailed(expected, attempt);
      }
    } finally {
      endLinking(expected);
    }
  }

  /**
   * Records, when {@code tell}, that a client is told {@code repo} holds blob {@code d}: under this
   * monitor, in the step that linked it, so no deletion comes between.
   */
  private void tell(boolean tell, String repo, Digest d) {
    if (tell) {
      told.record(repo, d);
    }
  }

  private synchronized void startLinking(Digest d) {
    linking.merge(d, 1, Integer::sum);
  }

  private synchronized void endLinking(Digest d) {
    linking.computeIfPresent(d, (k, n) -> n == 1 ? null : n - 1);
  }

  private static void relinkFailed(Digest d, int attempt) throws IOException {
    if (attempt >= RELINK_ATTEMPTS) {
      throw new IOException(
          "blob " + d + ": removed by deletes " + attempt + " times while being linked; try again");
    }
  }

  /**
   * Stores staged blob {@code d} as a Strata blob unless it is held intact already ({@link
   * BlobService#putFileOnce}: its uncompressed contents and a recipe when a known compressor
   * reproduces it, else whole; its digest checked again), moves every repository's link to its
   * chunks, and only then deletes the staged file: after a crash at any point the blob is either
   * still staged or stored. False when it was not staged.
   */
  public boolean storeStaged(Digest d) throws IOException {
    return storeStaged(d, new StopSignal());
  }

  /**
   * {@link #storeStaged(Digest)}, reading the staged file through {@code stop}'s guard: raised, the
   * store ends at its next read with {@link StopSignal.Stopped}, the blob still staged.
   */
  public boolean storeStaged(Digest d, StopSignal stop) throws IOException {
    Path file = staged.file(d);
    if (!Files.exists(file)) {
      return false;
    }
    blobs.putFileOnce(file, d, BlobService.Owner.REGISTRY, stop);
    moveLinks(d);
    staged.delete(d);
    // a blob whose links all went while it was staged is released now that it has a root (a
    // crash before this leaves it to the next start's releaseUnused)
    release(List.of(d));
    return true;
  }

  /** How a spooled upload is stored when the store does not hold its blob yet. */
  private interface Put {
    PutResult put() throws IOException;
  }

  /** Stores blob {@code expected} with {@code put} unless it is held already, then links it. */
  private PutResult putAndLink(String repo, Digest expected, Put put, boolean tell)
      throws IOException {
    Names.checkRepository(repo);
    startLinking(expected);
    try {
      for (int attempt = 1; ; attempt++) {
        Root held = intactBlobRoot(expected);
        PutResult r = held != null ? new PutResult(expected, held.logicalSize(), 0, 0) : put.put();
        synchronized (this) {
          if (present(expected) && link(repo, expected)) {
            tell(tell, repo, expected);
            return r;
          }
        }
        // removed between the store and the link (a `strata blob rm`): store it again
        relinkFailed(expected, attempt);
      }
    } finally {
      endLinking(expected);
    }
  }

  private synchronized void moveLinks(Digest d) throws IOException {
    Root blob = blobRoot(d);
    if (blob == null) {
      return;
    }
    List<RootChange> changes = new ArrayList<>();
    for (Root l : chunks.roots(LINK)) {
      if (l.name().endsWith("@" + d.hex())) {
        changes.add(new RootChange.Put(new Root(l.name(), 0, new byte[0], blob.chunks().clone())));
      }
    }
    if (!changes.isEmpty()) {
      commit(changes);
    }
  }

  /**
   * Makes blob {@code d}, which {@code from} holds, a blob of {@code repo} too (a cross-repository
   * mount); false when {@code from} does not hold it.
   */
  public synchronized boolean mount(String repo, Digest d, String from) throws IOException {
    Names.checkRepository(repo);
    if (Names.isRepository(from) && hasIntactBlob(from, d) && link(repo, d)) {
      // answered 201: the client's manifest PUT relies on it
      told.record(repo, d);
      return true;
    }
    return false;
  }

  /**
   * Takes blob {@code d} out of {@code repo}, and, in the same commit, releases it when the
   * registry owns it and nothing else uses it (see the class comment): a gc then frees its bytes.
   */
  public synchronized void unlinkBlob(String repo, Digest d) throws IOException {
    if (!hasBlob(repo, d)) {
      throw new NotFoundException("blob " + d + " not found in repository " + repo);
    }
    commitReleasing(Set.of(LINK + repo + "@" + d.hex()), List.of(d), Set.of());
  }

  /**
   * Releases, of {@code candidates}, the blobs the registry owns that nothing uses any more (see
   * the class comment); returns how many.
   */
  public synchronized int release(Collection<Digest> candidates) throws IOException {
    return commitReleasing(Set.of(), candidates, Set.of());
  }

  /**
   * Runs {@code listener} after each commit that removes a Strata image (on the committing thread:
   * it must only queue work): an image keeping a layer whole was a use of a registry blob that the
   * registry does not see go otherwise. The listener then runs {@link #releaseUnused}.
   */
  public void onImageRemoved(Runnable listener) {
    chunks.onRootChanges(
        changes -> {
          if (changes.stream().anyMatch(WholeLayerBlobs::removesAnImage)) {
            listener.run();
          }
        });
  }

  /**
   * Runs {@code listener} after each commit that gives, moves or takes a Strata image's tag (on the
   * committing thread: it must only queue work): a manifest published from the image a tag named
   * may be stale after it. The listener then runs {@link #dropStaleViews}.
   */
  public void onTagsChanged(Runnable listener) {
    chunks.onRootChanges(
        changes -> {
          if (changes.stream().anyMatch(ImageStore::changesATag)) {
            listener.run();
          }
        });
  }

  /**
   * Releases every blob the registry owns that nothing uses: what a stop between a use's removal
   * and the release left (a recipe job killed after its staged file went, an image removed since).
   * Run at start, before the registry listens; returns how many.
   */
  public synchronized int releaseUnused() throws IOException {
    List<Digest> marked = new ArrayList<>();
    for (Root r : chunks.roots(BlobService.REGISTRY_OWNED)) {
      marked.add(Digest.parse("sha256:" + r.name().substring(BlobService.REGISTRY_OWNED.length())));
    }
    return commitReleasing(Set.of(), marked, Set.of());
  }

  /**
   * Commits the removal of the roots {@code gone} with the releases it allows among {@code
   * candidates} ({@link #releases}); returns how many blobs were released.
   */
  private int commitReleasing(Set<String> gone, Collection<Digest> candidates, Set<Digest> ours)
      throws IOException {
    return BlobService.underMarks(
        () -> {
          List<RootChange> changes = new ArrayList<>();
          gone.forEach(n -> changes.add(new RootChange.Remove(n)));
          List<RootChange> released = releases(gone, candidates, ours);
          changes.addAll(released);
          if (!changes.isEmpty()) {
            commit(changes);
          }
          return (int) released.stream().filter(c -> c.name().startsWith("blob/")).count();
        });
  }

  /**
   * The removals that release each of {@code candidates} the registry owns (its mark, or listed in
   * {@code ours}: Strata's chunk indexes, made by the registry before marks existed) that nothing
   * uses once the roots {@code gone} are removed: its root and its mark. A mark whose root is gone
   * (a {@code blob rm}) goes too. The caller holds this monitor and the marks' lock ({@link
   * BlobService#underMarks}).
   */
  private List<RootChange> releases(
      Set<String> gone, Collection<Digest> candidates, Set<Digest> ours) throws IOException {
    List<RootChange> out = new ArrayList<>();
    List<Digest> owned = new ArrayList<>();
    for (Digest d : new LinkedHashSet<>(candidates)) {
      String mark = BlobService.registryMark(d);
      boolean marked = chunks.root(mark) != null;
      if (!marked && !ours.contains(d)) {
        continue;
      }
      if (blobRoot(d) == null) {
        if (marked) {
          out.add(new RootChange.Remove(mark));
        }
        continue;
      }
      owned.add(d);
    }
    if (owned.isEmpty()) {
      return out;
    }
    Set<String> used = used(gone);
    for (Digest d : owned) {
      // a staged file is its recipe job's until the job ran, which releases it after
      if (used.contains(d.hex()) || isStaged(d) || linking.containsKey(d)) {
        continue;
      }
      out.add(new RootChange.Remove("blob/" + d.hex()));
      if (chunks.root(BlobService.registryMark(d)) != null) {
        out.add(new RootChange.Remove(BlobService.registryMark(d)));
      }
    }
    return out;
  }

  /**
   * The hex digests of every blob something uses once the roots {@code gone} are removed: a link or
   * manifest record of any repository; the manifest of a pending import and what it names (the
   * import is reading them); a layer an image keeps as a whole blob.
   */
  private Set<String> used(Set<String> gone) throws IOException {
    Set<String> used = new HashSet<>();
    for (String p : List.of(LINK, MANIFEST)) {
      for (Root r : chunks.roots(p)) {
        if (!gone.contains(r.name())) {
          used.add(r.name().substring(r.name().lastIndexOf('@') + 1));
        }
      }
    }
    for (Root r : chunks.roots(IMPORT)) {
      if (!gone.contains(r.name())) {
        Digest m = Digest.parse(new String(r.payload(), StandardCharsets.US_ASCII));
        used.add(m.hex());
        for (Digest d : namedBy(m, true)) {
          used.add(d.hex());
        }
      }
    }
    used.addAll(WholeLayerBlobs.named(chunks));
    return used;
  }

  /**
   * Every digest manifest {@code m} names (config, layers, listed manifests, subject), and with
   * {@code deep} what the manifests it lists name; empty when its bytes are not held.
   */
  private Set<Digest> namedBy(Digest m, boolean deep) throws IOException {
    Set<Digest> out = new LinkedHashSet<>();
    if (blobRoot(m) == null) {
      return out;
    }
    JsonNode json;
    try (InputStream in = blobs.open(m, 0, -1)) {
      json = MAPPER.readTree(in.readNBytes(ManifestDocument.MAX_BYTES));
    } catch (IOException e) {
      // not JSON: it names nothing (it was checked at its push, so this is a damaged blob)
      return out;
    }
    if (json == null) {
      return out;
    }
    for (String text : json.findValuesAsText("digest")) {
      if (Names.isDigest(text)) {
        out.add(Digest.parse(text));
      }
    }
    if (deep) {
      for (Digest child : List.copyOf(out)) {
        out.addAll(namedBy(child, false));
      }
    }
    return out;
  }

  /**
   * Links blob {@code d} into {@code repo}; false when it is gone (a {@code strata blob rm} since
   * the caller looked), nothing linked. The look and the commit are under the marks' lock, which a
   * {@code blob rm} takes to check the links and remove the blob: it never removes a blob between a
   * link's look and its commit, nor one linked.
   */
  private boolean link(String repo, Digest d) throws IOException {
    String name = LINK + repo + "@" + d.hex();
    return BlobService.underMarks(
        () -> {
          // the file before the root (see present): staged with no root yet, the link holds no
          // chunks, and the job's moveLinks, which waits for this lock, gives it the blob's
          boolean wasStaged = isStaged(d);
          Root blob = blobRoot(d);
          if (blob == null && !wasStaged) {
            return false;
          }
          if (chunks.root(name) == null) {
            RoaringBitmap held = blob == null ? new RoaringBitmap() : blob.chunks().clone();
            commit(List.of(new RootChange.Put(new Root(name, 0, new byte[0], held))));
          }
          return true;
        });
  }

  private Root blobRoot(Digest d) {
    return chunks.root("blob/" + d.hex());
  }

  /**
   * Blob {@code d}'s root, or null when there is none or one of its chunks is known damaged: a put
   * then stores the bytes it was given, which mends the damaged chunks, where it would otherwise
   * keep the damaged copy and drop the good bytes.
   */
  private Root intactBlobRoot(Digest d) {
    Root r = blobRoot(d);
    return r == null || chunks.holdsDamaged(r.chunks()) ? null : r;
  }

  // ---- manifests ----

  /**
   * The manifest {@code reference} (a tag or a digest) names in {@code repo}; refused with {@link
   * NotFoundException} when there is none, or the tag is a stale published one (see the class).
   */
  public Descriptor manifest(String repo, String reference) {
    return manifest(repo, reference, true);
  }

  /** {@link #manifest(String, String)}; {@code served}: false takes a stale published tag too. */
  Descriptor manifest(String repo, String reference, boolean served) {
    Digest d;
    if (Names.isDigest(reference)) {
      d = Digest.parse(reference);
    } else {
      Root tag = chunks.root(TAG + repo + ":" + reference);
      if (tag == null) {
        throw new NotFoundException("manifest " + repo + ":" + reference + " not found");
      }
      String stale = served ? staleFrom(repo, reference) : null;
      if (stale != null) {
        throw new NotFoundException(
            "manifest "
                + repo
                + ":"
                + reference
                + " not found: it was published from Strata image "
                + stale
                + ", and that name now names another image or manifest");
      }
      d = Digest.parse(new String(tag.payload(), StandardCharsets.US_ASCII));
    }
    Root m = chunks.root(MANIFEST + repo + "@" + d.hex());
    if (m == null) {
      throw new NotFoundException("manifest " + repo + "@" + d + " not found");
    }
    return decode(m.payload(), d);
  }

  /** Whether {@code repo} holds manifest {@code d}. */
  public boolean hasManifest(String repo, Digest d) {
    return chunks.root(MANIFEST + repo + "@" + d.hex()) != null;
  }

  /** The bytes of manifest {@code d} (at most {@link ManifestDocument#MAX_BYTES}). */
  public byte[] manifestBytes(Descriptor d) throws IOException {
    try (InputStream in = blobs.open(d.digest(), 0, -1)) {
      return in.readNBytes(ManifestDocument.MAX_BYTES);
    }
  }

  /**
   * Stores manifest {@code body} in {@code repo}, tagged {@code tag} (null: by digest only).
   * Refused with {@link NotFoundException} when a blob or manifest it references is not in the
   * repository, and with {@link InvalidArgumentException} when it is no manifest; the store is then
   * unchanged.
   */
  public synchronized Descriptor putManifest(
      String repo, String tag, byte[] body, String contentType) throws IOException {
    return putManifest(repo, tag, body, contentType, false);
  }

  /**
   * {@link #putManifest(String, String, byte[], String)}; with {@code importPending} and a tag, the
   * same commit records that its Strata image import is still to run ({@link #pendingImports}), so
   * a stop before the import does not lose it.
   */
  public synchronized Descriptor putManifest(
      String repo, String tag, byte[] body, String contentType, boolean importPending)
      throws IOException {
    return storeManifest(repo, tag, body, contentType, importPending, null);
  }

  /**
   * Stores manifest {@code body}, the export of Strata image {@code imageId}, tagged {@code tag} in
   * {@code repo}, recording in the same commit that the tag was published from that image: it is
   * served while {@code repo:tag} names that image (see the class comment).
   */
  public synchronized Descriptor publishManifest(
      String repo, String tag, byte[] body, String contentType, String imageId) throws IOException {
    return storeManifest(repo, tag, body, contentType, false, imageId);
  }

  /**
   * {@code contentType} null: the body's own {@code mediaType} (Strata's own manifests); otherwise
   * checked as a push is ({@link ManifestDocument#pushed}). A manifest the repository already holds
   * keeps the type it was first stored with: a PUT saying another is refused, since every tag of
   * that digest is served with it.
   */
  private Descriptor storeManifest(
      String repo,
      String tag,
      byte[] body,
      String contentType,
      boolean importPending,
      String publishedFrom)
      throws IOException {
    Names.checkRepository(repo);
    if (tag != null && !Names.isTag(tag)) {
      throw new InvalidArgumentException("tag " + tag + ": not a valid tag");
    }
    Digest digest = Digest.sha256(body, 0, body.length);
    String what = "manifest " + repo + "@" + digest;
    ManifestDocument doc =
        contentType == null
            ? ManifestDocument.parse(body, null, what)
            : ManifestDocument.pushed(body, contentType, what);
    Root stored = chunks.root(MANIFEST + repo + "@" + digest.hex());
    if (stored != null) {
      String was = decode(stored.payload(), digest).mediaType();
      if (!was.equals(doc.mediaType())) {
        throw new InvalidArgumentException(
            what
                + ": stored as "
                + was
                + ", which a PUT as "
                + doc.mediaType()
                + " cannot change (delete it by digest first)");
      }
    }
    for (Digest b : doc.blobs()) {
      if (!hasBlob(repo, b)) {
        throw new NotFoundException(what + ": blob " + b + " is not in the repository");
      }
    }
    for (Digest c : doc.children()) {
      if (chunks.root(MANIFEST + repo + "@" + c.hex()) == null) {
        throw new NotFoundException(what + ": manifest " + c + " is not in the repository");
      }
    }
    Descriptor desc =
        new Descriptor(
            doc.mediaType(),
            digest,
            body.length,
            doc.artifactType(),
            doc.subject(),
            doc.annotations());
    // a view of the image it was published from only when no push stored it first: a pushed
    // manifest stays the registry's own, whatever a publication of the same bytes says
    boolean view =
        publishedFrom != null
            && (stored == null || chunks.root(VIEW + repo + "@" + digest.hex()) != null);
    // the manifest's bytes and its roots in one commit: one fsync of the packs and the root log
    try (BlobWriter w = blobs.create(BlobService.Owner.REGISTRY)) {
      w.write(body, 0, body.length);
      w.commitWith(
          digest,
          held -> {
            List<RootChange> changes =
                manifestRoots(repo, tag, desc, held, importPending, publishedFrom);
            changes.addAll(viewRoots(repo, digest, view ? publishedFrom : null));
            return changes;
          });
    }
    if (publishedFrom == null) {
      // the push the grace waited for came: its links are ordinary ones now
      told.forget(repo, doc.blobs());
    }
    return desc;
  }

  /**
   * The change to the view record of manifest {@code digest} of {@code repo}: recorded as a view of
   * Strata image {@code viewOf}; or, {@code viewOf} null (a push), no longer a view.
   */
  private List<RootChange> viewRoots(String repo, Digest digest, String viewOf) {
    String name = VIEW + repo + "@" + digest.hex();
    if (viewOf != null) {
      byte[] id = viewOf.getBytes(StandardCharsets.US_ASCII);
      return List.of(new RootChange.Put(new Root(name, 0, id, new RoaringBitmap())));
    }
    return chunks.root(name) == null ? List.of() : List.of(new RootChange.Remove(name));
  }

  private List<RootChange> manifestRoots(
      String repo,
      String tag,
      Descriptor desc,
      RoaringBitmap held,
      boolean importPending,
      String publishedFrom) {
    Digest digest = desc.digest();
    List<RootChange> changes = new ArrayList<>();
    changes.add(
        new RootChange.Put(
            new Root(MANIFEST + repo + "@" + digest.hex(), desc.size(), encode(desc), held)));
    if (tag != null) {
      changes.add(
          new RootChange.Put(
              new Root(
                  TAG + repo + ":" + tag,
                  0,
                  digest.toString().getBytes(StandardCharsets.US_ASCII),
                  new RoaringBitmap())));
      if (importPending) {
        changes.add(
            new RootChange.Put(
                new Root(
                    IMPORT + repo + ":" + tag,
                    0,
                    digest.toString().getBytes(StandardCharsets.US_ASCII),
                    new RoaringBitmap())));
      }
      String published = PUBLISHED + repo + ":" + tag;
      if (publishedFrom != null) {
        changes.add(
            new RootChange.Put(
                new Root(
                    published,
                    0,
                    publishedFrom.getBytes(StandardCharsets.US_ASCII),
                    new RoaringBitmap())));
      } else if (chunks.root(published) != null) {
        // a push is the registry's own truth: the tag no longer follows the Strata name
        changes.add(new RootChange.Remove(published));
      }
    }
    return changes;
  }

  /**
   * A tagged manifest whose image import has not run (a stop came first) or has not succeeded yet
   * (it failed for a reason that passes: a full disk, an I/O error).
   */
  public record PendingImport(String repo, String tag, Digest manifest) {}

  /** The imports {@code putManifest} recorded and {@link #importDone} has not cleared. */
  public List<PendingImport> pendingImports() {
    List<PendingImport> out = new ArrayList<>();
    for (Root r : chunks.roots(IMPORT)) {
      String name = r.name().substring(IMPORT.length());
      int colon = name.lastIndexOf(':');
      out.add(
          new PendingImport(
              name.substring(0, colon),
              name.substring(colon + 1),
              Digest.parse(new String(r.payload(), StandardCharsets.US_ASCII))));
    }
    return out;
  }

  /** The manifest whose import is pending for {@code repo:tag}, or null when none is. */
  public Digest pendingImport(String repo, String tag) {
    Root r = chunks.root(IMPORT + repo + ":" + tag);
    return r == null ? null : Digest.parse(new String(r.payload(), StandardCharsets.US_ASCII));
  }

  /**
   * Clears the pending import of {@code repo:tag} when it still names manifest {@code d} (a later
   * push of the tag has its own import to run).
   */
  public synchronized void importDone(String repo, String tag, Digest d) throws IOException {
    Root r = chunks.root(IMPORT + repo + ":" + tag);
    if (r != null
        && java.util.Arrays.equals(r.payload(), d.toString().getBytes(StandardCharsets.US_ASCII))) {
      // a manifest deleted while its import ran was kept for it: released now
      List<Digest> candidates = new ArrayList<>();
      if (!hasManifest(repo, d)) {
        candidates.add(d);
        candidates.addAll(namedBy(d, true));
      }
      commitReleasing(Set.of(r.name()), candidates, Set.of());
    }
  }

  /** What {@code body} is, without storing it. */
  public static ManifestDocument read(byte[] body, String contentType, String what) {
    return ManifestDocument.parse(body, contentType, what);
  }

  /**
   * Deletes {@code reference} from {@code repo}: a tag is untagged; a digest removes the manifest,
   * every tag naming it, and the chunk-index artifacts Strata published for it (with the links of
   * their index blobs no other chunk index of the repository lists), in one commit. Referrers a
   * client pushed stay: the spec lets a registry keep or drop them, and dropping what a user pushed
   * is not this registry's call. A stale published tag is deleted too: a manifest DELETE removes
   * the Strata image of a tag it deletes first ({@link #tagsDeletedWith} refused a stale one
   * before), which makes the tag stale. The links of blobs a client was just told the repository
   * holds stay for a grace, for the manifest it is pushing ({@link ToldLinks}).
   */
  public synchronized void deleteManifest(String repo, String reference) throws IOException {
    Descriptor d = manifest(repo, reference, false);
    if (!Names.isDigest(reference)) {
      Set<String> gone = new LinkedHashSet<>();
      untag(repo, reference, gone);
      commit(gone.stream().<RootChange>map(RootChange.Remove::new).toList());
      return;
    }
    deleteDigest(repo, d);
  }

  /**
   * Deletes manifest {@code d} of {@code repo} as {@link #deleteManifest} by digest does, but for
   * the links clients were told of within the grace ({@link ToldLinks}), left for {@link
   * #dropDeferred}.
   */
  private void deleteDigest(String repo, Descriptor d) throws IOException {
    // a HEAD records and looks under this lock: it sees the links this commit removes either
    // before (kept here) or gone
    synchronized (told) {
      deleteDigestTelling(repo, d);
    }
  }

  private void deleteDigestTelling(String repo, Descriptor d) throws IOException {
    Set<String> gone = new LinkedHashSet<>();
    gone.add(MANIFEST + repo + "@" + d.digest().hex());
    if (chunks.root(VIEW + repo + "@" + d.digest().hex()) != null) {
      gone.add(VIEW + repo + "@" + d.digest().hex());
    }
    byte[] want = d.digest().toString().getBytes(StandardCharsets.US_ASCII);
    String tags = TAG + repo + ":";
    for (Root t : chunks.roots(tags)) {
      if (java.util.Arrays.equals(t.payload(), want)) {
        untag(repo, t.name().substring(tags.length()), gone);
      }
    }
    List<Digest> candidates = new ArrayList<>();
    candidates.add(d.digest());
    Set<Digest> artifactConfigs = new HashSet<>();
    Set<Digest> ours = chunkIndexesGoneWith(repo, d.digest(), gone, artifactConfigs);
    candidates.addAll(ours);
    for (Digest b : blobsOnlyNamedBy(repo, d, artifactConfigs, gone)) {
      if (told.withinGrace(repo, b)) {
        deferred.add(ToldLinks.key(repo, b));
        continue;
      }
      gone.add(LINK + repo + "@" + b.hex());
      candidates.add(b);
    }
    commitReleasing(gone, candidates, ours);
  }

  /**
   * Deletes every manifest a publication stored that is stale ({@link StaleViews}: no current tag
   * of its repository names it, no index of it lists it), each as a DELETE by digest deletes it:
   * with its stale tags, its chunk indexes and the links of the blobs only it named, releasing what
   * nothing else uses, so that the next gc frees its chunks. A repository a publication is storing
   * into is left for the next time. Then takes the links deletions left to clients told of them
   * once their grace has passed ({@link #dropDeferred}). Returns the manifests it deleted, as
   * {@code REPO@DIGEST}.
   */
  public synchronized List<String> dropStaleViews() throws IOException {
    dropDeferred();
    List<String> dropped = new ArrayList<>();
    for (Map.Entry<String, List<Digest>> e : StaleViews.find(chunks, this).entrySet()) {
      String repo = e.getKey();
      if (publishing.containsKey(repo)) {
        continue;
      }
      for (Digest d : e.getValue()) {
        deleteDigest(repo, manifest(repo, d.toString(), false));
        dropped.add(repo + "@" + d);
      }
    }
    return dropped;
  }

  /**
   * Removes the links a deletion left to clients told of them ({@link #deleteDigest}) whose grace
   * has passed and that no manifest of their repository names by now (the client's manifest did not
   * come), releasing what nothing else uses: what the deletion would have done. Run by {@link
   * #dropStaleViews}, which runs after tag changes and before each gc.
   */
  private void dropDeferred() throws IOException {
    synchronized (told) {
      Set<String> gone = new LinkedHashSet<>();
      List<Digest> candidates = new ArrayList<>();
      for (java.util.Iterator<String> it = deferred.iterator(); it.hasNext(); ) {
        String key = it.next();
        String repo = key.substring(0, key.lastIndexOf('@'));
        Digest b = Digest.parse("sha256:" + key.substring(key.lastIndexOf('@') + 1));
        // a publication storing into the repository may have found it linked, as a client did
        if (told.withinGrace(repo, b) || publishing.containsKey(repo)) {
          continue;
        }
        it.remove();
        if (chunks.root(LINK + key) != null && !namedInRepository(repo, b)) {
          gone.add(LINK + key);
          candidates.add(b);
        }
      }
      if (!gone.isEmpty()) {
        commitReleasing(gone, candidates, Set.of());
      }
    }
  }

  /** Whether a manifest of {@code repo} names digest {@code b}. */
  private boolean namedInRepository(String repo, Digest b) throws IOException {
    String prefix = MANIFEST + repo + "@";
    for (Root r : chunks.roots(prefix)) {
      if (namedBy(Digest.parse("sha256:" + r.name().substring(prefix.length())), false)
          .contains(b)) {
        return true;
      }
    }
    return false;
  }

  /**
   * A publication starts storing an image into {@code repo}: {@link #dropStaleViews} leaves the
   * repository alone until {@link #publishingEnded}.
   */
  public synchronized void publishingStarted(String repo) {
    publishing.merge(repo, 1, Integer::sum);
  }

  /** The publication {@link #publishingStarted} announced has ended (stored or failed). */
  public synchronized void publishingEnded(String repo) {
    publishing.computeIfPresent(repo, (k, n) -> n == 1 ? null : n - 1);
  }

  /** Adds to {@code gone} the roots of tag {@code repo:tag}: the tag, and its publication. */
  private void untag(String repo, String tag, Set<String> gone) {
    gone.add(TAG + repo + ":" + tag);
    if (chunks.root(PUBLISHED + repo + ":" + tag) != null) {
      gone.add(PUBLISHED + repo + ":" + tag);
    }
  }

  /**
   * Whether the registry of {@code chunks} serves tag {@code repoTag} ({@code REPO:TAG}) as a
   * client pushed it: such a tag is the registry's own and stays when the Strata name goes (a tag
   * published from a Strata image follows the name instead, and is stale once it goes).
   */
  public static boolean servesAsPushed(ChunkStore chunks, String repoTag) {
    return chunks.root(TAG + repoTag) != null && chunks.root(PUBLISHED + repoTag) == null;
  }

  /**
   * The id of the Strata image tag {@code repo:tag} was published from when the Strata name {@code
   * repo:tag} no longer names that image (moved or removed since) or now exports another manifest
   * (the image arrived again with one: an import of an OCI layout, a pull); null when the tag is
   * current: it was pushed, or the name still names the image as published.
   */
  String staleFrom(String repo, String tag) {
    Root p = chunks.root(PUBLISHED + repo + ":" + tag);
    if (p == null) {
      return null;
    }
    String from = new String(p.payload(), StandardCharsets.US_ASCII);
    if (!from.equals(ImageStore.taggedImage(chunks, repo + ":" + tag))) {
      return from;
    }
    String exported = ImageStore.exportedManifest(chunks, repo + ":" + tag);
    Root served = chunks.root(TAG + repo + ":" + tag);
    boolean same =
        exported == null
            || (served != null
                && exported.equals(new String(served.payload(), StandardCharsets.US_ASCII)));
    return same ? null : from;
  }

  /**
   * The blobs (config, layers) manifest {@code d} names, and of {@code alsoNamed} (the configs of
   * its chunk indexes), that {@code repo} links and no other of its manifests (but those in {@code
   * gone}) names: the links its deletion takes with it.
   */
  private List<Digest> blobsOnlyNamedBy(
      String repo, Descriptor d, Set<Digest> alsoNamed, Set<String> gone) throws IOException {
    Set<Digest> only = new LinkedHashSet<>();
    if (blobRoot(d.digest()) == null) {
      // its bytes were removed (blob rm): what it named is unknown, so its links stay
      return List.of();
    }
    ManifestDocument doc = read(manifestBytes(d), d.mediaType(), "manifest " + repo + "@" + d);
    Set<Digest> named = new LinkedHashSet<>(doc.blobs());
    named.addAll(alsoNamed);
    for (Digest b : named) {
      if (chunks.root(LINK + repo + "@" + b.hex()) != null) {
        only.add(b);
      }
    }
    String prefix = MANIFEST + repo + "@";
    for (Root r : chunks.roots(prefix)) {
      if (only.isEmpty()) {
        break;
      }
      if (!gone.contains(r.name())) {
        only.removeAll(
            namedBy(Digest.parse("sha256:" + r.name().substring(prefix.length())), false));
      }
    }
    return List.copyOf(only);
  }

  /**
   * Adds to {@code gone} the roots that take the chunk-index artifacts of manifest {@code subject}
   * with it: their manifests, and the links of their index blobs unless another chunk index of
   * {@code repo} lists the same blob (two images sharing a layer share its index blob); adds their
   * configs (the empty config) to {@code configs}, whose links go unless another manifest of the
   * repository names them ({@link #blobsOnlyNamedBy}). Returns those artifacts and index blobs:
   * Strata's own doing, released when nothing else uses them even when they were made before the
   * registry marked its blobs.
   */
  private Set<Digest> chunkIndexesGoneWith(
      String repo, Digest subject, Set<String> gone, Set<Digest> configs) throws IOException {
    List<Descriptor> artifacts = referrers(repo, subject, LayerChunkIndex.ARTIFACT_TYPE);
    if (artifacts.isEmpty()) {
      return Set.of();
    }
    Set<String> goneArtifacts = new HashSet<>();
    Set<Digest> indexBlobs = new HashSet<>();
    for (Descriptor a : artifacts) {
      goneArtifacts.add(MANIFEST + repo + "@" + a.digest().hex());
      indexBlobs.addAll(indexBlobs(a));
      String config = MAPPER.readTree(manifestBytes(a)).path("config").path("digest").asText("");
      if (Names.isDigest(config)) {
        configs.add(Digest.parse(config));
      }
    }
    String prefix = MANIFEST + repo + "@";
    for (Root r : chunks.roots(prefix)) {
      Descriptor other = decode(r.payload(), Digest.parse(r.name().substring(prefix.length())));
      if (LayerChunkIndex.ARTIFACT_TYPE.equals(other.artifactType())
          && !goneArtifacts.contains(r.name())) {
        indexBlobs.removeAll(indexBlobs(other));
      }
    }
    gone.addAll(goneArtifacts);
    for (Digest b : indexBlobs) {
      if (chunks.root(LINK + repo + "@" + b.hex()) != null) {
        gone.add(LINK + repo + "@" + b.hex());
      }
    }
    Set<Digest> ours = new HashSet<>(indexBlobs);
    artifacts.forEach(a -> ours.add(a.digest()));
    return ours;
  }

  /** The layer index blobs chunk-index artifact {@code a} lists. */
  private List<Digest> indexBlobs(Descriptor a) throws IOException {
    List<Digest> out = new ArrayList<>();
    for (JsonNode l : MAPPER.readTree(manifestBytes(a)).path("layers")) {
      String type = l.path("mediaType").asText();
      if (type.equals(LayerChunkIndex.LAYER_TYPE) || type.equals(LayerChunkIndex.LAYER_TYPE_ZSTD)) {
        out.add(Digest.parse(l.path("digest").asText()));
      }
    }
    return out;
  }

  /**
   * The tags a deletion of {@code reference} would remove: the tag itself, or every tag naming the
   * digest. Refused with {@link NotFoundException} when there is no such manifest.
   */
  public List<String> tagsDeletedWith(String repo, String reference) {
    Descriptor d = manifest(repo, reference);
    if (!Names.isDigest(reference)) {
      return List.of(reference);
    }
    List<String> out = new ArrayList<>();
    byte[] want = d.digest().toString().getBytes(StandardCharsets.US_ASCII);
    String prefix = TAG + repo + ":";
    for (Root t : chunks.roots(prefix)) {
      if (java.util.Arrays.equals(t.payload(), want)) {
        out.add(t.name().substring(prefix.length()));
      }
    }
    return out;
  }

  /** The tags of {@code repo} it serves (not the stale published ones: see the class), sorted. */
  public List<String> tags(String repo) {
    String prefix = TAG + repo + ":";
    List<String> out = new ArrayList<>();
    for (Root r : chunks.roots(prefix)) {
      String tag = r.name().substring(prefix.length());
      if (staleFrom(repo, tag) == null) {
        out.add(tag);
      }
    }
    out.sort(null);
    return out;
  }

  /** Whether {@code repo} has any manifest, tag or blob. */
  public boolean exists(String repo) {
    return !chunks.roots(MANIFEST + repo + "@").isEmpty()
        || !chunks.roots(LINK + repo + "@").isEmpty();
  }

  /**
   * The manifests of {@code repo} whose subject is {@code subject}, with artifact type {@code
   * artifactType} when that is not null.
   */
  public List<Descriptor> referrers(String repo, Digest subject, String artifactType) {
    List<Descriptor> out = new ArrayList<>();
    String prefix = MANIFEST + repo + "@";
    for (Root r : chunks.roots(prefix)) {
      Descriptor d = decode(r.payload(), Digest.parse(r.name().substring(prefix.length())));
      if (subject.equals(d.subject())
          && (artifactType == null || artifactType.equals(d.artifactType()))) {
        out.add(d);
      }
    }
    return out;
  }

  private void commit(List<RootChange> changes) throws IOException {
    try (WriteSession s = chunks.session()) {
      s.commit(changes);
    }
  }

  private static byte[] encode(Descriptor d) {
    ObjectNode o = MAPPER.createObjectNode();
    o.put("mediaType", d.mediaType()).put("size", d.size());
    if (d.artifactType() != null) {
      o.put("artifactType", d.artifactType());
    }
    if (d.subject() != null) {
      o.put("subject", d.subject().toString());
    }
    ObjectNode a = o.putObject("annotations");
    d.annotations().forEach(a::put);
    try {
      return MAPPER.writeValueAsBytes(o);
    } catch (IOException e) {
      throw new IllegalStateException("encoding a descriptor", e);
    }
  }

  private static Descriptor decode(byte[] payload, Digest digest) {
    JsonNode o;
    try {
      o = MAPPER.readTree(payload);
    } catch (IOException e) {
      throw new io.strata.store.error.CorruptDataException(
          "manifest " + digest + ": unreadable record", MANIFEST + digest.hex(), e);
    }
    Map<String, String> annotations = new LinkedHashMap<>();
    o.path("annotations")
        .properties()
        .forEach(e -> annotations.put(e.getKey(), e.getValue().asText()));
    String subject = o.path("subject").asText(null);
    return new Descriptor(
        o.path("mediaType").asText(),
        digest,
        o.path("size").asLong(),
        o.path("artifactType").asText(null),
        subject == null ? null : Digest.parse(subject),
        annotations);
  }
}
