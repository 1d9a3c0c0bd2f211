package io.strata.store.tree;

import io.strata.store.digest.Digest;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Decoded, stored (so immutable) nodes by digest, least recently used first out. Shared by every
 * tree over the same store: trees that share subtrees share their cached nodes too.
 */
public final class NodeCache {
  private final LinkedHashMap<Digest, Node> nodes;
  private final long maxBytes;
  private long bytes;

  public NodeCache(long maxBytes) {
    this.maxBytes = maxBytes;
    this.nodes = new LinkedHashMap<>(1024, 0.75f, true);
  }

  synchronized Node get(Digest d) {
    return nodes.get(d);
  }

  synchronized void put(Digest d, Node n) {
    Node old = nodes.put(d, n);
    bytes += n.bytes + 64 - (old == null ? 0 : old.bytes + 64);
    var it = nodes.entrySet().iterator();
    while (bytes > maxBytes && it.hasNext()) {
      Map.Entry<Digest, Node> e = it.next();
      bytes -= e.getValue().bytes + 64;
      it.remove();
    }
  }
}
