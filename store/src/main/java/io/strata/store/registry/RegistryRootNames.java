package io.strata.store.registry;

import io.strata.store.engine.ChunkStore;
import io.strata.store.ref.Root;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What a user calls each root the registry keeps ({@link RegistryStore} lists them), for fsck to
 * say what damage affects: a manifest by each tag of its repository that names it ({@code registry
 * REPO:TAG}), by digest when none does ({@code registry REPO@sha256:HEX}); a blob a repository
 * holds by the repository and its digest; a tag, a pending import or a published tag by the tag.
 * Read from the roots alone, so a data root served without {@code --registry} is named too.
 */
public final class RegistryRootNames {
  private static final String SHA256 = "sha256:";

  private RegistryRootNames() {}

  /** Root name → the names a user knows it by, sorted. */
  public static Map<String, List<String>> of(ChunkStore chunks) {
    Map<String, List<String>> out = new TreeMap<>();
    Map<String, List<String>> tagsOfManifest = new TreeMap<>();
    for (Root t : chunks.roots(RegistryStore.TAG)) {
      String tag = t.name().substring(RegistryStore.TAG.length());
      out.put(t.name(), List.of("registry " + tag));
      String digest = new String(t.payload(), StandardCharsets.US_ASCII);
      int colon = tag.lastIndexOf(':');
      if (colon > 0 && digest.startsWith(SHA256)) {
        String manifest = tag.substring(0, colon) + "@" + digest.substring(SHA256.length());
        tagsOfManifest.computeIfAbsent(manifest, k -> new ArrayList<>()).add("registry " + tag);
      }
    }
    for (String prefix : List.of(RegistryStore.IMPORT, RegistryStore.PUBLISHED)) {
      for (Root r : chunks.roots(prefix)) {
        out.put(r.name(), List.of("registry " + r.name().substring(prefix.length())));
      }
    }
    for (Root m : chunks.roots(RegistryStore.MANIFEST)) {
      String ref = m.name().substring(RegistryStore.MANIFEST.length());
      List<String> tags = tagsOfManifest.get(ref);
      out.put(m.name(), tags == null ? List.of(byDigest(ref)) : tags.stream().sorted().toList());
    }
    for (Root l : chunks.roots(RegistryStore.LINK)) {
      out.put(l.name(), List.of(byDigest(l.name().substring(RegistryStore.LINK.length()))));
    }
    return out;
  }

  /** {@code registry REPO@sha256:HEX} of a root's {@code REPO@HEX}. */
  private static String byDigest(String repoAtHex) {
    int at = repoAtHex.lastIndexOf('@');
    return "registry " + repoAtHex.substring(0, at + 1) + SHA256 + repoAtHex.substring(at + 1);
  }
}
