package io.strata.store.registry;

import io.strata.store.digest.Digest;
import io.strata.store.engine.ChunkStore;
import io.strata.store.error.NotFoundException;
import io.strata.store.image.ImageStore;
import io.strata.store.ref.Root;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Which manifests a publication stored ({@code reg/view/REPO@HEX}: the export of a Strata image,
 * stored by a pull by name or by a digest it arrived with) serve nobody any more: no current tag of
 * their repository names them (a pushed tag, or a published one whose Strata name still names the
 * image it was published from), no index of the repository lists them, and {@code REPO@DIGEST} no
 * longer names the image they were published from. A pushed manifest is never one: a registry keeps
 * what clients push until they delete it. Read-only; {@link RegistryStore#dropStaleViews} deletes
 * them under the registry's monitor, which the caller holds.
 */
final class StaleViews {
  private StaleViews() {}

  /** The stale views of every repository, by repository. */
  static Map<String, List<Digest>> find(ChunkStore chunks, RegistryStore registry)
      throws IOException {
    Map<String, List<Digest>> views = new TreeMap<>();
    for (Root v : chunks.roots(RegistryStore.VIEW)) {
      String name = v.name().substring(RegistryStore.VIEW.length());
      int at = name.lastIndexOf('@');
      String repo = name.substring(0, at);
      Digest d = Digest.parse("sha256:" + name.substring(at + 1));
      // a view published by digest stays while that digest still names its image
      if (registry.hasManifest(repo, d)
          && !ImageStore.namesByDigest(
              chunks, new String(v.payload(), StandardCharsets.US_ASCII), repo + "@" + d)) {
        views.computeIfAbsent(repo, k -> new ArrayList<>()).add(d);
      }
    }
    Map<String, List<Digest>> stale = new TreeMap<>();
    for (Map.Entry<String, List<Digest>> e : views.entrySet()) {
      Set<Digest> kept = named(chunks, registry, e.getKey());
      List<Digest> gone = e.getValue().stream().filter(d -> !kept.contains(d)).toList();
      if (!gone.isEmpty()) {
        stale.put(e.getKey(), gone);
      }
    }
    return stale;
  }

  /**
   * The manifests of {@code repo} that its current tags name, and those its indexes list (a pushed
   * index needs its images to be pulled).
   */
  private static Set<Digest> named(ChunkStore chunks, RegistryStore registry, String repo)
      throws IOException {
    Set<Digest> out = new HashSet<>();
    String tags = RegistryStore.TAG + repo + ":";
    for (Root t : chunks.roots(tags)) {
      if (registry.staleFrom(repo, t.name().substring(tags.length())) == null) {
        out.add(Digest.parse(new String(t.payload(), StandardCharsets.US_ASCII)));
      }
    }
    String manifests = RegistryStore.MANIFEST + repo + "@";
    for (Root m : chunks.roots(manifests)) {
      Descriptor d =
          registry.manifest(repo, "sha256:" + m.name().substring(manifests.length()), false);
      if (!d.mediaType().equals(ManifestDocument.OCI_INDEX)
          && !d.mediaType().equals(ManifestDocument.DOCKER_LIST)) {
        continue;
      }
      try {
        out.addAll(
            RegistryStore.read(
                    registry.manifestBytes(d), d.mediaType(), "manifest " + repo + "@" + d.digest())
                .children());
      } catch (NotFoundException e) {
        // its bytes were removed (a blob rm before rm refused registry blobs): it lists nothing
      }
    }
    return out;
  }
}
