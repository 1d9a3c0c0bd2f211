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

  /** Removes a root; its chunks go at the next GC unless another root holds them. */
  record Remove(String name) implements RootChange {}
}
