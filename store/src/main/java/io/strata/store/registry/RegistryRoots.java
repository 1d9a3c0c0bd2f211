package io.strata.store.registry;

import io.strata.store.engine.ChunkStore;
import io.strata.store.ref.Root;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.Set;
import java.util.function.Predicate;

/**
 * Which chunk-store roots are the registry's, for {@code strata system df}: all of them (what the
 * registry holds), and those that go when Strata images go (the manifests published as views of
 * them, which the registry's sweep deletes, and what only those manifests kept).
 */
public final class RegistryRoots {
  private static final String BLOB = "blob/";

  private RegistryRoots() {}

  /**
   * Whether root {@code name} is the registry's: a manifest, tag or link record, or a stored blob
   * (the blobs a client pushed, and those `strata blob` keeps, which the registry serves).
   */
  public static boolean isRegistryRoot(String name) {
    return name.startsWith("reg/") || name.startsWith(BLOB);
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
      String blob = BLOB + ref.substring(ref.lastIndexOf('@') + 1);
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
