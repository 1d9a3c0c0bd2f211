package io.strata.store.registry;

import io.strata.store.digest.Digest;
import io.strata.store.engine.ChunkStore;
import io.strata.store.error.ConflictException;
import io.strata.store.ref.Root;
import java.util.ArrayList;
import java.util.List;

/**
 * What of the registry holds a blob: the repositories that link it ({@code reg/link/REPO@HEX}) and
 * those that hold it as a manifest ({@code reg/manifest/REPO@HEX}). A {@code strata blob rm} of
 * such a blob is refused ({@link #refuseRemoval}): without its root the registry would serve a
 * manifest whose layer or config answers 404, while its links kept the chunks, so nothing was freed
 * either.
 */
public final class RegistryHolds {
  /** How many repositories a refusal names before it counts the rest. */
  private static final int NAMED = 3;

  private RegistryHolds() {}

  /**
   * Refuses, with a {@link ConflictException} naming the repositories and the request that would
   * take the blob out of them, the removal of blob {@code d} while the registry holds it. The
   * caller holds the marks' lock ({@link io.strata.store.blob.BlobService#underMarks}), under which
   * the registry commits its links, so none comes between this look and the removal.
   */
  public static void refuseRemoval(ChunkStore chunks, Digest d) {
    List<String> manifests = holders(chunks, RegistryStore.MANIFEST, d);
    if (!manifests.isEmpty()) {
      throw new ConflictException(
          "blob "
              + d
              + ": it is a manifest of registry repository "
              + names(manifests)
              + "; delete it there first (DELETE /v2/"
              + manifests.get(0)
              + "/manifests/"
              + d
              + "), or, published from a Strata image, remove the image and gc");
    }
    List<String> links = holders(chunks, RegistryStore.LINK, d);
    if (!links.isEmpty()) {
      throw new ConflictException(
          "blob "
              + d
              + ": registry repository "
              + names(links)
              + " holds it; delete it there first (DELETE /v2/"
              + links.get(0)
              + "/blobs/"
              + d
              + ", or the manifests naming it, by digest)");
    }
  }

  /** The repositories with a root {@code prefix + REPO@HEX} for blob {@code d}. */
  private static List<String> holders(ChunkStore chunks, String prefix, Digest d) {
    String suffix = "@" + d.hex();
    List<String> out = new ArrayList<>();
    for (Root r : chunks.roots(prefix)) {
      if (r.name().endsWith(suffix)) {
        out.add(r.name().substring(prefix.length(), r.name().length() - suffix.length()));
      }
    }
    return out;
  }

  private static String names(List<String> repos) {
    String first = String.join(", ", repos.subList(0, Math.min(NAMED, repos.size())));
    return repos.size() <= NAMED ? first : first + " and " + (repos.size() - NAMED) + " more";
  }
}
