package io.strata.store.tree;

import io.strata.store.digest.Digest;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Decoded, stored (so immutable) nodes by digest, least recently used first out. Shared by every
 * tree over the same store: trees that share subtrees share their cached nodes too.
 *
 * <p>It also carries the trees' memory budget: {@link #maxBytes} of heap for cached nodes, and
 * {@link #dirtyBytes} of heap for the changed nodes each tree may hold before it stores them
 * ({@link CowTree}). Sizes count heap, not encoded bytes: a node's entries are small arrays, and
 * their headers and references take about as much again as their contents.
 */
public final class NodeCache {
  /** The most cached nodes take, whatever the heap: beyond it a bigger cache buys little. */
  static final long CACHE_CEILING = 128L << 20;

  /** The most changed nodes one tree holds, whatever the heap. */
  static final long DIRTY_CEILING = 32L << 20;

  /** The least dirty budget: a few dozen nodes, so that a spill is never per change. */
  static final long DIRTY_FLOOR = 64L * Node.MAX_HEAP;

  private final LinkedHashMap<Digest, Node> nodes;
  private final long maxBytes;
  private final long dirtyBytes;
  private long bytes;

  /** A cache of {@code maxBytes}, with a dirty budget per tree of a quarter of it. */
  public NodeCache(long maxBytes) {
    this(maxBytes, Math.max(DIRTY_FLOOR, maxBytes / 4));
  }

  /**
   * A cache of {@code maxBytes} of heap; each tree stores its changed nodes once they would take
   * more than {@code dirtyBytes} (at least {@link #DIRTY_FLOOR}).
   */
  public NodeCache(long maxBytes, long dirtyBytes) {
    this.maxBytes = maxBytes;
    this.dirtyBytes = Math.max(DIRTY_FLOOR, dirtyBytes);
    this.nodes = new LinkedHashMap<>(1024, 0.75f, true);
  }

  /**
   * Sized for a JVM whose heap may grow to {@code maxHeap} bytes ({@link Runtime#maxMemory}): an
   * eighth for cached nodes (at most {@link #CACHE_CEILING}) and a sixteenth for each tree's
   * changed nodes (at most {@link #DIRTY_CEILING}), so that trees never hold the heap whatever the
   * size of the file systems they describe.
   */
  public static NodeCache forHeap(long maxHeap) {
    return new NodeCache(
        Math.min(CACHE_CEILING, maxHeap / 8), Math.min(DIRTY_CEILING, maxHeap / 16));
  }

  /** The heap cached nodes may take. */
  public long maxBytes() {
    return maxBytes;
  }

  /** The heap one tree's changed, not yet stored nodes may take before the tree stores them. */
  public long dirtyBytes() {
    return dirtyBytes;
  }

  synchronized Node get(Digest d) {
    return nodes.get(d);
  }

  synchronized void put(Digest d, Node n) {
    Node old = nodes.put(d, n);
    bytes += n.heapBytes() - (old == null ? 0 : old.heapBytes());
    var it = nodes.entrySet().iterator();
    while (bytes > maxBytes && it.hasNext()) {
      Map.Entry<Digest, Node> e = it.next();
      bytes -= e.getValue().heapBytes();
      it.remove();
    }
  }
}
