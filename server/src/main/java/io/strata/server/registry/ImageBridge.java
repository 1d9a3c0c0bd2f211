package io.strata.server.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.strata.store.digest.Digest;
import io.strata.store.error.NotFoundException;
import io.strata.store.error.StrataException;
import io.strata.store.gzip.GzipRecipe;
import io.strata.store.image.ImageStore;
import io.strata.store.image.archive.BlobFiles;
import io.strata.store.registry.Descriptor;
import io.strata.store.registry.ManifestDocument;
import io.strata.store.registry.RegistryStore;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Predicate;
import java.util.stream.Stream;

/**
 * Where the registry meets Strata's images. A tagged image manifest pushed to the registry becomes
 * the Strata image {@code REPO:TAG} (an index: the image it lists for linux/amd64, else its first),
 * imported from the pushed blobs as {@code strata image import} would; and a pull of {@code
 * REPO:TAG} that the registry has no manifest for publishes the Strata image of that name, exported
 * as an OCI layout, so images Strata already holds can be pulled.
 */
final class ImageBridge {
  private static final System.Logger LOG = System.getLogger(ImageBridge.class.getName());
  private static final ObjectMapper MAPPER = new ObjectMapper();

  private final RegistryStore registry;
  private final ImageStore images;
  private final Predicate<String> inUse;
  private final Path tmp;
  private final RecipeJobs recipes;
  private final Executor executor;

  /**
   * @param recipes where the gzip layers of a published image go to become chunks and a recipe, as
   *     pushed ones do, so that Strata pullers can pull them through a chunk index; and after whose
   *     jobs the import of an image with staged layers runs
   * @param executor where the import of an image without staged layers runs
   */
  ImageBridge(
      RegistryStore registry,
      ImageStore images,
      Predicate<String> inUse,
      Path tmp,
      RecipeJobs recipes,
      Executor executor) {
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
   * Starts making the Strata image {@code repo:tag} of manifest {@code d} (its import recorded as
   * pending with the tag, and cleared when it ran, whatever became of it). An image with a staged
   * layer is imported on the recipe jobs' thread after the jobs queued so far, so that it reads its
   * layers' uncompressed contents as stored rather than inflating the staged gzip (and does not
   * take a core from the job); any other on {@code executor}. {@code awaited}: the caller waits for
   * it (a small image), so the jobs before it start at once. The future completes when the import
   * ran.
   */
  CompletableFuture<Void> importLater(
      String repo, String tag, Descriptor d, ManifestDocument doc, boolean awaited) {
    CompletableFuture<Void> done = new CompletableFuture<>();
    Runnable run =
        () -> {
          try {
            imported(repo, tag, d, doc);
            done.complete(null);
          } catch (RuntimeException e) {
            done.completeExceptionally(e);
          } finally {
            try {
              registry.importDone(repo, tag, d.digest());
            } catch (IOException | RuntimeException e) {
              LOG.log(
                  System.Logger.Level.WARNING,
                  "manifest {0}:{1}: import ran, but stays recorded as pending: {2}",
                  repo,
                  tag,
                  e.toString());
            }
          }
        };
    try {
      if (imageBlobs(repo, doc).stream().anyMatch(registry::isStaged)) {
        recipes.afterQueued(run, awaited);
      } else {
        executor.execute(run);
      }
    } catch (RejectedExecutionException e) {
      // stopping: the import stays pending, for the next start
      done.completeExceptionally(e);
    } catch (IOException | RuntimeException e) {
      done.completeExceptionally(e);
    }
    return done;
  }

  /**
   * Starts the imports a stop interrupted: every tagged push still recorded as pending whose tag
   * names the same manifest (a tag deleted or pushed again since has nothing left to import). One
   * that cannot even start is logged: the registry serves what it holds all the same.
   */
  void resumeImports() {
    for (RegistryStore.PendingImport p : registry.pendingImports()) {
      try {
        Descriptor d;
        try {
          d = registry.manifest(p.repo(), p.tag());
        } catch (NotFoundException e) {
          d = null;
        }
        if (d == null || !d.digest().equals(p.manifest())) {
          registry.importDone(p.repo(), p.tag(), p.manifest());
          continue;
        }
        ManifestDocument doc =
            RegistryStore.read(
                registry.manifestBytes(d), d.mediaType(), "manifest " + p.manifest());
        LOG.log(
            System.Logger.Level.INFO, "manifest {0}:{1}: resuming its import", p.repo(), p.tag());
        importLater(p.repo(), p.tag(), d, doc, false);
      } catch (IOException | RuntimeException e) {
        LOG.log(
            System.Logger.Level.WARNING,
            "manifest {0}:{1}: its interrupted import cannot resume: {2}",
            p.repo(),
            p.tag(),
            e.toString());
      }
    }
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
   * for an index, that of the child a push imports), or null for an artifact.
   */
  String imageIdOf(String repo, String ref) throws IOException {
    Descriptor d = registry.manifest(repo, ref);
    ManifestDocument doc = RegistryStore.read(registry.manifestBytes(d), d.mediaType(), "manifest");
    if (doc.isIndex()) {
      if (doc.children().isEmpty()) {
        return null;
      }
      d = registry.manifest(repo, pick(doc).toString());
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
   * no image is left alone; an image that cannot be imported is logged, and the push stands.
   */
  void imported(String repo, String tag, Descriptor d, ManifestDocument doc) {
    try {
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

            @Override
            public InputStream open(Digest digest) {
              return registry.openBlob(digest, 0, -1);
            }

            @Override
            public InputStream openUncompressed(Digest digest) {
              return registry.openUncompressed(digest);
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
    } catch (StrataException | IOException e) {
      LOG.log(
          System.Logger.Level.WARNING,
          "manifest {0}:{1} stored, but not made a Strata image: {2}",
          repo,
          tag,
          e.getMessage());
    }
  }

  /**
   * Whether this store holds the Strata image {@code repo:tag}, which a pull of that name would
   * publish; the shared store of a fleet is not asked (fetching from it is a write too).
   */
  boolean holdsImage(String repo, String tag) {
    try {
      images.resolve(repo + ":" + tag);
      return true;
    } catch (NotFoundException e) {
      return false;
    }
  }

  /**
   * Publishes the Strata image {@code repo:tag} in the registry and returns its manifest; refused
   * with {@link NotFoundException} when there is no such image.
   */
  Descriptor publish(String repo, String tag) throws IOException {
    String ref = repo + ":" + tag;
    images.resolveFetching(ref);
    Files.createDirectories(tmp);
    Path dir = Files.createTempDirectory(tmp, "registry-export-");
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
      byte[] body = Files.readAllBytes(layout.resolve("blobs/sha256/" + manifest.hex()));
      return registry.putManifest(repo, tag, body, m.path("mediaType").asText(null));
    } finally {
      try (Stream<Path> s = Files.walk(dir)) {
        for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
          Files.deleteIfExists(p);
        }
      }
    }
  }
}
