package io.strata.store.driver;

/** The kinds of snapshot, as in containerd. */
public enum Kind {
  /** Writable; made by {@code prepare}; becomes committed by {@code commit}. */
  ACTIVE,
  /** Read-only; made by {@code view}; cannot be committed. */
  VIEW,
  /** Read-only and immutable; the parent of actives and views (an image layer). */
  COMMITTED
}
