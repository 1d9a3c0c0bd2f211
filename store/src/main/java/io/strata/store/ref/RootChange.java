package io.strata.store.ref;

/** One change to the set of roots, made durable by a commit. */
public sealed interface RootChange {
  /** The root's name. */
  String name();

  /** Adds a root or replaces the one of the same name. */
  record Put(Root root) implements RootChange {
    @Override
    public String name() {
      return root.name();
    }
  }

  /**
   * Changes a root in place: a new payload and logical size, chunks added to its set and chunks
   * taken out of it. Small, so a container write does not rewrite the whole reference set.
   */
  record Update(
      String name,
      long logicalSize,
      byte[] payload,
      org.roaringbitmap.RoaringBitmap added,
      org.roaringbitmap.RoaringBitmap removed)
      implements RootChange {
    /** The root this update turns {@code before} (null: none yet) into. */
    public Root applyTo(Root before) {
      org.roaringbitmap.RoaringBitmap chunks =
          before == null
              ? added.clone()
              : org.roaringbitmap.RoaringBitmap.or(before.chunks(), added);
      chunks.andNot(removed);
      return new Root(name, logicalSize, payload, chunks);
    }
  }

  /** Removes a root; its chunks go at the next GC unless another root holds them. */
  record Remove(String name) implements RootChange {}
}
