package io.strata.store.ref;

import java.util.Objects;
import org.roaringbitmap.RoaringBitmap;

/**
 * A named thing that keeps chunks alive: a blob, a layer, a snapshot, a container. Liveness in the
 * store is the union of every root's chunk set (plus writes in progress).
 *
 * @param name unique within the store, e.g. {@code blob/<hex>}
 * @param logicalSize bytes the user stored under this root, before deduplication
 * @param payload the owner's description of the root (a blob's chunk list, a tree's top node);
 *     opaque to the reference layer
 * @param chunks the ids of every chunk the root references; not to be mutated
 */
public record Root(String name, long logicalSize, byte[] payload, RoaringBitmap chunks) {
  public Root {
    Objects.requireNonNull(name);
    Objects.requireNonNull(payload);
    Objects.requireNonNull(chunks);
  }
}
