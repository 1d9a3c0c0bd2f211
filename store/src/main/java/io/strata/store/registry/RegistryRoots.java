package io.strata.store.registry;

import io.strata.store.blob.BlobService;
import io.strata.store.engine.ChunkStore;
import io.strata.store.ref.Root;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.Set;
import java.util.function.Predicate;

/**
 * Which chunk-store roots are the registry's, for {@code strata system df}: all of them (what the
 * registry holds), the plain blobs beside them, and those that go when Strata images go (the
 * manifests published as views of them, which the registry's sweep deletes, and what only those
 * manifests kept).
 */
public final class RegistryRoots {
  private static final String BLOB = "blob/";

  private RegistryRoots() {}

  /**
   * Which roots of a chunk store are the registry's and which are plain blobs, from one scan of the
   * registry's links, manifests and marks.
   *
   * @param registryHeld the registry's roots: its manifests, tags, links and marks, and the stored
   *     blobs a repository holds (linked or as a manifest) or the registry owns
   * @param plainBlobs the stored blobs no repository holds: what {@code strata blob ls} lists
   *     besides the registry's (puts, and layers images keep as blobs). The registry would serve
   *     them too, but counted as its own, {@code strata blob put} objects showed as registry space
   *     on a server without one (docs/ADVERSARIAL.md, AG6)
   */
  public record Ownership(Predicate<String> registryHeld, Predicate<String> plainBlobs) {}

  /** Which roots of {@code chunks} are the registry's, and which are plain blobs. */
  public static Ownership ownership(ChunkStore chunks) {
    Set<String> held = registryBlobs(chunks);
    return new Ownership(
        name -> name.startsWith("reg/") || held.contains(name),
        name -> name.startsWith(BLOB) && !held.contains(name));
  }

  /** The blob roots a repository's link or manifest names, or the registry's mark owns. */
  private static Set<String> registryBlobs(ChunkStore chunks) {
    Set<String> held = new HashSet<>();
    for (String prefix : new String[] {RegistryStore.LINK, RegistryStore.MANIFEST}) {
      for (Root r : chunks.roots(prefix)) {
        held.add(blobOf(r.name().substring(prefix.length())));
      }
    }
    for (Root r : chunks.roots(BlobService.REGISTRY_OWNED)) {
      held.add(BLOB + r.name().substring(BlobService.REGISTRY_OWNED.length()));
    }
    return held;
  }

  /** The blob root a link {@code REPO@DIGEST} names. */
  private static String blobOf(String ref) {
    return BLOB + ref.substring(ref.lastIndexOf('@') + 1);
  }

  /**
   * The registry roots of {@code chunks} that go when the Strata images {@code imageIds} go: the
   * manifests recorded as views of them, the links of repositories no other manifest keeps, and the
   * blobs only such links name. A repository that also holds a manifest a client pushed keeps all
   * its links, which can only make the figure smaller than what the sweep frees, never larger.
   */
  public static Predicate<String> freedWith(ChunkStore chunks, Set<String> imageIds) {
    Set<String> gone = new HashSet<>();
    Set<String> repos = new HashSet<>();
    for (Root v : chunks.roots(RegistryStore.VIEW)) {
      String image = new String(v.payload(), StandardCharsets.US_ASCII);
      if (imageIds.contains(image)) {
        String ref = v.name().substring(RegistryStore.VIEW.length());
        gone.add(RegistryStore.MANIFEST + ref);
        repos.add(repo(ref));
      }
    }
    if (gone.isEmpty()) {
      return name -> false;
    }
    for (Root m : chunks.roots(RegistryStore.MANIFEST)) {
      if (!gone.contains(m.name())) {
        repos.remove(repo(m.name().substring(RegistryStore.MANIFEST.length())));
      }
    }
    Set<String> goneBlobs = new HashSet<>();
    Set<String> keptBlobs = new HashSet<>();
    for (Root l : chunks.roots(RegistryStore.LINK)) {
      String ref = l.name().substring(RegistryStore.LINK.length());
      String blob = blobOf(ref);
      if (repos.contains(repo(ref))) {
        gone.add(l.name());
        goneBlobs.add(blob);
      } else {
        keptBlobs.add(blob);
      }
    }
    goneBlobs.removeAll(keptBlobs);
    gone.addAll(goneBlobs);
    return gone::contains;
  }

  /** The repository of {@code REPO@HEX}. */
  private static String repo(String ref) {
    return ref.substring(0, ref.lastIndexOf('@'));
  }
}
