package io.strata.containerd;

import io.strata.store.driver.Snapshot;
import io.strata.store.engine.ChunkStore;
import io.strata.store.ref.Root;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What a containerd user calls each root Strata keeps for containerd, for fsck to say what damage
 * affects: a snapshot by its key ({@code ctr snapshots ls}), a content blob by its digest ({@code
 * ctr content ls}), each with its namespace. Calls without a namespace ({@code _}, containerd's
 * own, whose keys carry it) are named by the key alone.
 */
public final class ContainerdRootNames {
  private ContainerdRootNames() {}

  /** Root name → the names a user knows it by. */
  public static Map<String, List<String>> of(ChunkStore chunks) {
    Map<String, List<String>> out = new TreeMap<>();
    String snapshots = Snapshot.rootName(SnapshotKeys.PREFIX);
    for (Root r : chunks.roots(snapshots)) {
      out.put(r.name(), List.of(named("snapshot ", r.name().substring(snapshots.length()), "")));
    }
    for (Root r : chunks.roots(ContentRecord.PREFIX)) {
      String rest = r.name().substring(ContentRecord.PREFIX.length());
      out.put(r.name(), List.of(named("content ", rest, "sha256:")));
    }
    return out;
  }

  /** {@code containerd WHAT NAME (namespace NS)} of {@code NS/NAME}. */
  private static String named(String what, String nsAndName, String namePrefix) {
    int slash = nsAndName.indexOf('/');
    String ns = slash < 0 ? "_" : nsAndName.substring(0, slash);
    String name = namePrefix + nsAndName.substring(slash + 1);
    return "containerd " + what + name + (ns.equals("_") ? "" : " (namespace " + ns + ")");
  }
}
