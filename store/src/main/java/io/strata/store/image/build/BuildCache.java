package io.strata.store.image.build;

import io.strata.store.engine.ChunkStore;
import io.strata.store.image.layer.JsonCodec;
import io.strata.store.ref.Root;
import io.strata.store.ref.RootChange;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * What the image store needs to know of the build cache (one root per step key, see {@link
 * CacheRecord}): which layers it keeps alive, and which of its entries go with removed layers.
 */
public final class BuildCache {
  private BuildCache() {}

  /** The top layers the cache's entries name (their parents are alive too). */
  public static List<String> layers(ChunkStore chunks) {
    List<String> out = new ArrayList<>();
    for (Root r : chunks.roots(CacheRecord.PREFIX)) {
      String c = JsonCodec.read(r.payload(), CacheRecord.class, r.name()).chainId();
      if (c != null) {
        out.add(c);
      }
    }
    return out;
  }

  /** The changes that remove the cache's entries whose layer {@code which} accepts. */
  public static List<RootChange> forgetWhere(
      ChunkStore chunks, java.util.function.Predicate<String> which) {
    List<RootChange> changes = new ArrayList<>();
    for (Root r : chunks.roots(CacheRecord.PREFIX)) {
      CacheRecord c = JsonCodec.read(r.payload(), CacheRecord.class, r.name());
      if (c.chainId() == null || which.test(c.chainId())) {
        changes.add(new RootChange.Remove(r.name()));
      }
    }
    return changes;
  }

  /** The changes that remove the cache's entries naming one of {@code removed} as their layer. */
  public static List<RootChange> forget(ChunkStore chunks, Collection<String> removed) {
    List<RootChange> changes = new ArrayList<>();
    for (Root r : chunks.roots(CacheRecord.PREFIX)) {
      CacheRecord c = JsonCodec.read(r.payload(), CacheRecord.class, r.name());
      if (c.chainId() != null && removed.contains(c.chainId())) {
        changes.add(new RootChange.Remove(r.name()));
      }
    }
    return changes;
  }
}
