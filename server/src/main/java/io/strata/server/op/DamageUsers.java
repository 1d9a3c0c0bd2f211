package io.strata.server.op;

import io.strata.containerd.ContainerdRootNames;
import io.strata.store.Engine;
import io.strata.store.container.ContainerStore;
import io.strata.store.image.ImageStore;
import io.strata.store.registry.RegistryRootNames;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * The objects a user knows that damage affects, for {@code fsck} (SPEC §2: "prints each damaged
 * object with the images/containers/blobs it affects"). The chunk store names the roots that hold a
 * chunk ({@code snap/ctr-<64 hex>}, {@code img/layer/<hex>}, {@code reg/link/REPO@<hex>}); the
 * stores that keep those roots say what a user calls each: {@code blob sha256:...}, {@code image
 * NAME:TAG}, {@code container NAME (ID12)}, {@code registry REPO:TAG}. A root none of them names
 * (one a later release added) is shown as it is rather than dropped.
 */
final class DamageUsers {
  private final Map<String, TreeSet<String>> names = new HashMap<>();

  /** Over the names of {@code parts}, each a map of root name → what a user calls it. */
  DamageUsers(List<Map<String, List<String>>> parts) {
    for (Map<String, List<String>> part : parts) {
      part.forEach((root, more) -> names.computeIfAbsent(root, k -> new TreeSet<>()).addAll(more));
    }
  }

  /** The names the data root's blob, image, container, registry and containerd stores give. */
  static DamageUsers of(Engine engine, ImageStore images, ContainerStore containers) {
    return new DamageUsers(
        List.of(
            engine.blobs().rootNames(),
            images.rootNames(),
            containers.rootNames(),
            RegistryRootNames.of(engine.chunks()),
            ContainerdRootNames.of(engine.chunks())));
  }

  /** What {@code roots} stand for, each name once, sorted. */
  List<String> of(List<String> roots) {
    TreeSet<String> out = new TreeSet<>();
    for (String root : roots) {
      TreeSet<String> known = names.get(root);
      if (known != null) {
        out.addAll(known);
      } else {
        out.add(root);
      }
    }
    return List.copyOf(out);
  }
}
