package io.strata.server.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.strata.store.digest.Digest;
import io.strata.store.engine.StopSignal;
import io.strata.store.error.InvalidArgumentException;
import io.strata.store.error.NotFoundException;
import io.strata.store.error.StrataException;
import io.strata.store.gzip.GzipRecipe;
import io.strata.store.image.ImageStore;
import io.strata.store.image.archive.BlobFiles;
import io.strata.store.registry.Descriptor;
import io.strata.store.registry.ManifestDocument;
import io.strata.store.registry.Names;
import io.strata.store.registry.RegistryStore;
import io.strata.store.registry.RegistryStore.PendingImport;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.Stream;

/**
 * Where the registry meets Strata's images. A tagged image manifest pushed to the registry becomes
 * the Strata image {@code REPO:TAG} (an index: the image it lists for linux/amd64, else its first),
 * imported from the pushed blobs as {@code strata image import} would; and a pull of {@code
 * REPO:TAG} that the registry has no manifest for publishes the Strata image of that name, exported
 * as an OCI layout, so images Strata already holds can be pulled.
 *
 * <p>The registry answered the push before the import ran, so an import that fails for a reason
 * that passes (a full disk, an I/O error) keeps its pending record ({@code reg/import/REPO:TAG})
 * and is tried again, on a thread of its own, until it runs: see {@link #failed}.
 */
final class ImageBridge implements AutoCloseable {
  private static final System.Logger LOG = System.getLogger(ImageBridge.class.getName());
  private static final ObjectMapper MAPPER = new ObjectMapper();

  /** How long after its first failure an import is tried again (then twice that each time). */
  static final Duration RETRY_DELAY = Duration.ofSeconds(5);

  /**
   * The longest wait between two attempts: a disk freed is noticed within a minute (an attempt on a
   * full disk fails at its first write, so trying once a minute costs next to nothing).
   */
  static final Duration MAX_RETRY_DELAY = Duration.ofMinutes(1);

  /**
   * How many times an import failing with an I/O error other than a full disk is tried before it
   * waits for the next start: such an error may not pass, and the import need not spin on it.
   */
  static final int IO_ATTEMPTS = 5;

  private final RegistryStore registry;
  private final ImageStore images;
  private final Predicate<String> inUse;
  private final Path tmp;
  private final RecipeJobs recipes;
  private final Executor executor;
  private final Failures failures;
  // raised at the server's stop: an import in progress ends at its next read of a blob
  private final StopSignal stop;
  private final ScheduledExecutorService retries =
      BackgroundThread.named("registry-import-retries");

  /** REPO:TAG → its import waiting to be tried again. Guarded by this. */
  private final Map<String, Retry> waiting = new HashMap<>();

  private boolean closed; // guarded by this

  /**
   * @param recipes where the gzip layers of a published image go to become chunks and a recipe, as
   *     pushed ones do, so that Strata pullers can pull them through a chunk index; and after whose
   *     jobs the import of an image with staged layers runs
   * @param executor where the import of an image without staged layers runs
   * @param failures how a failed import's reason is told
   * @param stop raised when the server stops: an import in progress ends at its next read of a blob
   *     and stays pending, one not started yet does not start
   */
  ImageBridge(
      RegistryStore registry,
      ImageStore images,
      Predicate<String> inUse,
      Path tmp,
      RecipeJobs recipes,
      Executor executor,
      Failures failures,
      StopSignal stop) {
    this.failures = failures;
    this.stop = stop;
    this.registry = registry;
    this.images = images;
    this.inUse = inUse;
    this.tmp = tmp;
    this.recipes = recipes;
    this.executor = executor;
  }

  /** A manifest is being pushed: push traffic, which the recipe jobs wait to end. */
  void manifestPushed() {
    recipes.pushed();
  }

  /**
   * Starts making the Strata image {@code repo:tag} of manifest {@code d}, whose import {@code
   * putManifest} recorded as pending with the tag. An image with a staged layer is imported on the
   * recipe jobs' thread after the jobs queued so far, so that it reads its layers' uncompressed
   * contents as stored rather than inflating the staged gzip (and does not take a core from the
   * job); any other on {@code executor}. {@code awaited}: the caller waits for it (a small image),
   * so the jobs before it start at once. The future completes when the import ran (or, stopping,
   * could not start): whatever became of it, it logged it. See {@link #failed} for what a failed
   * import does with its pending record.
   */
  CompletableFuture<Void> importLater(
      String repo, String tag, Descriptor d, ManifestDocument doc, boolean awaited) {
    return start(new PendingImport(repo, tag, d.digest()), d, doc, awaited, 1, null);
  }

  /** Attempt {@code attempt} of import {@code p}; {@code lastWhy}: why the one before failed. */
  private CompletableFuture<Void> start(
      PendingImport p,
      Descriptor d,
      ManifestDocument doc,
      boolean awaited,
      int attempt,
      String lastWhy) {
    CompletableFuture<Void> done = new CompletableFuture<>();
    Runnable run =
        () -> {
          try {
            if (!stop.raised()) { // stopping: the import stays pending, for the next start
              run(p, d, doc, attempt, lastWhy);
            }
          } finally {
            done.complete(null);
          }
        };
    try {
      if (imageBlobs(p.repo(), doc).stream().anyMatch(registry::isStaged)) {
        recipes.afterQueued(run, awaited);
      } else {
        executor.execute(run);
      }
    } catch (RejectedExecutionException e) {
      // stopping: the import stays pending, for the next start
      done.complete(null);
    } catch (IOException | RuntimeException e) {
      failed(p, attempt, lastWhy, e);
      done.complete(null);
    }
    return done;
  }

  private void run(
      PendingImport p, Descriptor d, ManifestDocument doc, int attempt, String lastWhy) {
    try {
      imported(p.repo(), p.tag(), d, doc);
    } catch (IOException | RuntimeException e) {
      failed(p, attempt, lastWhy, e);
      return;
    }
    if (attempt > 1) {
      LOG.log(
          System.Logger.Level.INFO,
          "manifest {0}:{1}: made a Strata image on attempt {2}",
          p.repo(),
          p.tag(),
          attempt);
    }
    done(p);
  }

  /**
   * Import {@code p} failed, attempt {@code attempt}, with {@code e}. A failure that passes keeps
   * its pending record, so that the push becomes a Strata image after all (the registry answered
   * 201: the client will not push again): a full disk is tried again until space is freed, {@link
   * #RETRY_DELAY} later, then twice that each time up to {@link #MAX_RETRY_DELAY}, and at once when
   * a recipe job stores a layer ({@link #retryWaiting}: space came back); any other I/O error
   * {@link #IO_ATTEMPTS} times so, then at the next start. A manifest that is no image Strata
   * imports (bad content, a blob missing) fails the same way every time: its record is cleared and
   * the push stands, served as pushed. The log says it once per reason, not once per attempt.
   */
  private void failed(PendingImport p, int attempt, String lastWhy, Exception e) {
    if (StopSignal.stopped(e)) {
      // The server stops (or the thread was interrupted): nothing is wrong with the image. Its
      // record stays, and the next start imports it; neither a retry now nor a record cleared.
      LOG.log(
          System.Logger.Level.INFO,
          "manifest {0}:{1}: its import was stopped with the server; it stays pending and runs at"
              + " the next start",
          p.repo(),
          p.tag());
      return;
    }
    String why = failures.reason(e);
    boolean full = Failures.diskFull(e);
    boolean passes = full || !(e instanceof StrataException) && isIo(e);
    if (full || passes && attempt < IO_ATTEMPTS) {
      Duration delay = delay(attempt);
      LOG.log(
          why.equals(lastWhy) ? System.Logger.Level.DEBUG : System.Logger.Level.WARNING,
          "manifest {0}:{1} stored, but not made a Strata image yet (attempt {2}): {3}; its"
              + " import stays pending and is tried again in {4} s",
          p.repo(),
          p.tag(),
          attempt,
          why,
          delay.toSeconds());
      later(p, attempt, why, delay);
    } else if (passes) {
      LOG.log(
          System.Logger.Level.WARNING,
          "manifest {0}:{1} stored, but not made a Strata image: {2}; its import failed {3}"
              + " times and stays pending until the next start",
          p.repo(),
          p.tag(),
          why,
          attempt);
    } else {
      if (e instanceof StrataException) {
        LOG.log(
            System.Logger.Level.WARNING,
            "manifest {0}:{1} stored, but not made a Strata image: {2}",
            p.repo(),
            p.tag(),
            why);
      } else {
        // no failure the import reports: a bug, with its stack
        LOG.log(
            System.Logger.Level.WARNING,
            "manifest " + p.repo() + ":" + p.tag() + " stored, but not made a Strata image",
            e);
      }
      done(p);
    }
  }

  private static boolean isIo(Throwable e) {
    return e instanceof IOException || e instanceof UncheckedIOException;
  }

  /** How long after failed attempt {@code attempt} the next one starts. */
  static Duration delay(int attempt) {
    Duration d = RETRY_DELAY.multipliedBy(1L << Math.min(attempt - 1, 16));
    return d.compareTo(MAX_RETRY_DELAY) > 0 ? MAX_RETRY_DELAY : d;
  }

  /** Clears the pending record of import {@code p}: it ran, or failed for good. */
  private void done(PendingImport p) {
    try {
      registry.importDone(p.repo(), p.tag(), p.manifest());
    } catch (IOException | RuntimeException e) {
      LOG.log(
          System.Logger.Level.WARNING,
          "manifest {0}:{1}: import ran, but stays recorded as pending: {2}",
          p.repo(),
          p.tag(),
          e.toString());
    }
  }

  /** A failed import waiting to be tried again. */
  private final class Retry implements Runnable {
    final PendingImport p;
    final int attempt;
    final String why;
    ScheduledFuture<?> timer; // set under the bridge's lock, which run() takes first

    Retry(PendingImport p, int attempt, String why) {
      this.p = p;
      this.attempt = attempt;
      this.why = why;
    }

    @Override
    public void run() {
      // run once: by its timer or by retryWaiting, whichever comes first
      if (taken(this)) {
        resume(p, attempt + 1, why, false);
      }
    }
  }

  private synchronized boolean taken(Retry r) {
    return waiting.remove(key(r.p), r);
  }

  private static String key(PendingImport p) {
    return p.repo() + ":" + p.tag();
  }

  /** Tries import {@code p} again {@code delay} from now (an earlier retry of its tag replaced). */
  private synchronized void later(PendingImport p, int attempt, String why, Duration delay) {
    if (closed) {
      return; // its record stays, for the next start
    }
    Retry r = new Retry(p, attempt, why);
    r.timer = retries.schedule(r, delay.toNanos(), TimeUnit.NANOSECONDS);
    Retry old = waiting.put(key(p), r);
    if (old != null) {
      old.timer.cancel(false);
    }
  }

  /**
   * Tries every import waiting for its retry at once: a recipe job just stored a layer, so the disk
   * that was full has room again (quick: the imports run on the retry thread).
   */
  synchronized void retryWaiting() {
    if (closed) {
      return;
    }
    for (Retry r : waiting.values()) {
      r.timer.cancel(false);
      retries.execute(r);
    }
  }

  /**
   * Starts the imports recorded as pending: at start, those a stop interrupted or a failure that
   * passes left (a tag deleted or pushed again since has nothing left to import).
   */
  void resumeImports() {
    for (PendingImport p : registry.pendingImports()) {
      resume(p, 1, null, true);
    }
  }

  /**
   * Starts attempt {@code attempt} of pending import {@code p}, unless its record is gone or names
   * another manifest (a later push of the tag has its own import), or its tag no longer names its
   * manifest (its record is cleared then).
   */
  private void resume(PendingImport p, int attempt, String lastWhy, boolean atStart) {
    try {
      if (!p.manifest().equals(registry.pendingImport(p.repo(), p.tag()))) {
        return;
      }
      Descriptor d;
      try {
        d = registry.manifest(p.repo(), p.tag());
      } catch (NotFoundException e) {
        d = null;
      }
      if (d == null || !d.digest().equals(p.manifest())) {
        registry.importDone(p.repo(), p.tag(), p.manifest());
        return;
      }
      ManifestDocument doc =
          RegistryStore.read(registry.manifestBytes(d), d.mediaType(), "manifest " + p.manifest());
      if (atStart) {
        LOG.log(
            System.Logger.Level.INFO, "manifest {0}:{1}: resuming its import", p.repo(), p.tag());
      }
      start(p, d, doc, false, attempt, lastWhy);
    } catch (IOException | RuntimeException e) {
      failed(p, attempt, lastWhy, e);
    }
  }

  /** As {@link #close(long)}, waiting up to 10 s. */
  @Override
  public void close() {
    close(System.nanoTime() + TimeUnit.SECONDS.toNanos(10));
  }

  /**
   * Stops the retries and the imports in progress (at their next read; see {@code stop}), waiting
   * for a retry being started until {@code deadline} ({@link System#nanoTime}); the imports stay
   * pending, for the next start.
   */
  void close(long deadline) {
    stop.raise();
    synchronized (this) {
      closed = true;
      waiting.values().forEach(r -> r.timer.cancel(false));
      waiting.clear();
    }
    BackgroundThread.stop(retries, "registry-import-retries", deadline);
  }

  /**
   * The blobs (config and layers) of the image that {@code doc} is or, for an index, that {@link
   * #imported} picks from it; empty when there is none.
   */
  List<Digest> imageBlobs(String repo, ManifestDocument doc) throws IOException {
    if (!doc.isIndex()) {
      return doc.isImage() ? doc.blobs() : List.of();
    }
    if (doc.children().isEmpty()) {
      return List.of();
    }
    Descriptor image = registry.manifest(repo, pick(doc).toString());
    ManifestDocument imageDoc =
        RegistryStore.read(registry.manifestBytes(image), image.mediaType(), "manifest");
    return imageDoc.isImage() ? imageDoc.blobs() : List.of();
  }

  /** The bytes of the image's blobs ({@link #imageBlobs}), as the store holds them. */
  long imageBytes(String repo, ManifestDocument doc) throws IOException {
    long total = 0;
    for (Digest b : imageBlobs(repo, doc)) {
      total += registry.blobSize(b);
    }
    return total;
  }

  /** The image an index names for linux/amd64, else its first. */
  private static Digest pick(ManifestDocument index) {
    return index.children().get(Math.max(0, index.platforms().indexOf("linux/amd64")));
  }

  /**
   * The id of the Strata image manifest {@code ref} of {@code repo} describes (its config's digest;
   * for an index, that of the child a push imports, found by the child's digest when the child
   * manifest is gone), or null for an artifact.
   */
  String imageIdOf(String repo, String ref) throws IOException {
    Descriptor d = registry.manifest(repo, ref);
    ManifestDocument doc = RegistryStore.read(registry.manifestBytes(d), d.mediaType(), "manifest");
    if (doc.isIndex()) {
      if (doc.children().isEmpty()) {
        return null;
      }
      Digest child = pick(doc);
      try {
        d = registry.manifest(repo, child.toString());
      } catch (NotFoundException e) {
        // its image manifest was deleted by digest before it (AP4): the Strata image a push of the
        // index made arrived with that manifest, and is still named by it (AR2)
        try {
          return images.resolve(repo + "@" + child);
        } catch (NotFoundException | InvalidArgumentException gone) {
          return null;
        }
      }
      doc = RegistryStore.read(registry.manifestBytes(d), d.mediaType(), "manifest");
    }
    if (!doc.isImage()) {
      return null;
    }
    return MAPPER.readTree(registry.manifestBytes(d)).path("config").path("digest").asText(null);
  }

  /**
   * Removes the Strata images {@code repo:TAG} for each of {@code tags} that are image {@code
   * imageId} (the deleted manifest's), before the registry forgets them, so that a deleted tag is
   * not published again from the image of that name: the registry's tags and Strata's image names
   * are one namespace. A name the user has since given to another image is left alone, with its
   * image: a registry client deletes what the registry holds, never an image it did not serve (that
   * was the user's own build, lost to a {@code skopeo delete}). Refused with a {@link
   * io.strata.store.error.ConflictException}, nothing removed, when a container uses one.
   */
  void removed(String repo, List<String> tags, String imageId) throws IOException {
    List<String> same = new ArrayList<>();
    for (String t : tags) {
      String ref = repo + ":" + t;
      try {
        String id = images.resolve(ref);
        if (!id.equals(imageId)) {
          continue; // the name now belongs to another image
        }
        if (inUse.test(id) && images.list().stream().filter(s -> id.equals(s.id())).count() <= 1) {
          throw new io.strata.store.error.ConflictException(
              "image " + ref + " is used by a container; remove the container first");
        }
        same.add(ref);
      } catch (NotFoundException e) {
        // no Strata image of that name
      }
    }
    for (String ref : same) {
      try {
        images.remove(ref, inUse);
      } catch (NotFoundException e) {
        // no Strata image of that name
      }
    }
  }

  /**
   * Makes the Strata image {@code repo:tag} of manifest {@code d}, just stored. An artifact that is
   * no image is left alone; an image that cannot be imported is refused as {@code strata image
   * import} refuses it (the caller decides what becomes of its pending import).
   */
  private void imported(String repo, String tag, Descriptor d, ManifestDocument doc)
      throws IOException {
    Descriptor image = d;
    ManifestDocument imageDoc = doc;
    if (doc.isIndex()) {
      if (doc.children().isEmpty()) {
        return;
      }
      image = registry.manifest(repo, pick(doc).toString());
      imageDoc = RegistryStore.read(registry.manifestBytes(image), image.mediaType(), "manifest");
    }
    if (!imageDoc.isImage()) {
      return;
    }
    BlobFiles files =
        new BlobFiles() {
          @Override
          public boolean has(Digest digest) {
            return registry.hasBlob(repo, digest) || registry.hasManifest(repo, digest);
          }

          // read through the stop's guard: a stop ends the import between two reads, never by
          // interrupting its thread inside the store's file I/O
          @Override
          public InputStream open(Digest digest) {
            return stop.guard(registry.openBlob(digest, 0, -1), "blob " + digest);
          }

          @Override
          public InputStream openUncompressed(Digest digest) {
            InputStream in = registry.openUncompressed(digest);
            return in == null ? null : stop.guard(in, "blob " + digest);
          }

          @Override
          public GzipRecipe gzipRecipe(Digest digest) {
            return registry.gzipRecipe(digest);
          }

          @Override
          public long storedWhole(Digest digest) {
            // a staged blob is no Strata blob yet: an image must not name it as one
            return registry.hasBlob(repo, digest)
                    && !registry.isStaged(digest)
                    && registry.gzipRecipe(digest) == null
                ? registry.blobSize(digest)
                : -1;
          }
        };
    images.importManifest(
        files,
        image.digest(),
        image.mediaType(),
        image.size(),
        repo + ":" + tag,
        repo + "@" + d.digest(),
        "manifest " + repo + "@" + image.digest());
  }

  /**
   * Whether this store holds the Strata image {@code repo:tag}, which a pull of that name would
   * publish; the shared store of a fleet is not asked (fetching from it is a write too).
   */
  boolean holdsImage(String repo, String tag) {
    try {
      images.resolve(reference(repo, tag));
      return true;
    } catch (NotFoundException e) {
      return false;
    }
  }

  /** The Strata image reference of {@code repo}'s tag or digest {@code reference}. */
  private static String reference(String repo, String reference) {
    return repo + (Names.isDigest(reference) ? "@" : ":") + reference;
  }

  /**
   * Publishes the Strata image {@code repo:tag} in the registry and returns its manifest; refused
   * with {@link NotFoundException} when there is no such image. The tag is served while that name
   * names this image; a tag published before, now stale, is replaced. With a digest for {@code
   * tag}: the image that arrived with that manifest ({@code repo@digest}, pulled or pushed so, on
   * this node or, through the fleet's catalogue, on another), published untagged; refused when its
   * export would give another manifest (a multi-platform index's digest names no one image).
   */
  Descriptor publish(String repo, String tag) throws IOException {
    String ref = reference(repo, tag);
    boolean byDigest = Names.isDigest(tag);
    // recorded with the tag: once the name names another image (or none), the tag is stale and
    // the next pull publishes again (RegistryStore). Resolved before the export: a name moved
    // during it leaves the tag stale at once, never an old image served for good.
    String id = images.resolveFetching(ref);
    Files.createDirectories(tmp);
    Path dir = Files.createTempDirectory(tmp, "registry-export-");
    // no stale view of the repository is deleted meanwhile: it could take the link of a blob this
    // export shares with it, found linked here before the new manifest names it
    registry.publishingStarted(repo);
    try {
      images.exportLayout(ref, dir.resolve("oci"));
      Path layout = dir.resolve("oci");
      JsonNode index = MAPPER.readTree(Files.readAllBytes(layout.resolve("index.json")));
      JsonNode m = index.path("manifests").path(0);
      Digest manifest = Digest.parse(m.path("digest").asText());
      List<Path> blobs;
      try (Stream<Path> s = Files.list(layout.resolve("blobs/sha256"))) {
        blobs = s.toList();
      }
      for (Path b : blobs) {
        Digest d = Digest.parse(b.getFileName().toString());
        // a gzip layer is staged and becomes chunks and a recipe, as a pushed one does
        if (!d.equals(manifest) && registry.putBlobFileStaged(repo, d, b)) {
          recipes.submit(d);
        }
      }
      if (byDigest && !manifest.equals(Digest.parse(tag))) {
        throw new NotFoundException(
            "manifest " + ref + ": image " + id + " exports manifest " + manifest + " instead");
      }
      byte[] body = Files.readAllBytes(layout.resolve("blobs/sha256/" + manifest.hex()));
      return registry.publishManifest(
          repo, byDigest ? null : tag, body, m.path("mediaType").asText(null), id);
    } finally {
      registry.publishingEnded(repo);
      try (Stream<Path> s = Files.walk(dir)) {
        for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
          Files.deleteIfExists(p);
        }
      }
    }
  }
}
