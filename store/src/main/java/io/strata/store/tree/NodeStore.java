package io.strata.store.tree;

import io.strata.store.digest.Digest;
import java.io.IOException;

/** Where a tree's nodes live: the chunk store, addressed by digest. */
public interface NodeStore {
  /** The bytes of the node with digest {@code d}; throws if the store lacks it. */
  byte[] load(Digest d) throws IOException;

  /** Stores a node and returns its digest. */
  Digest store(byte[] node) throws IOException;

  /** Tells the store that the tree no longer references node {@code d}. */
  default void released(Digest d) {}
}
