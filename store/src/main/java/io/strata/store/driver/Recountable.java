package io.strata.store.driver;

import java.io.IOException;

/**
 * An optional ability: a driver whose writable snapshots' reference sets can grow past what their
 * trees use (overwritten data) and that can make them exact again. The engine calls it before every
 * gc.
 */
public interface Recountable {
  /** Recomputes the reference set of every writable snapshot from its tree. */
  void recount() throws IOException;

  /** Checks every snapshot's tree against the store and its reference set (for fsck). */
  java.util.List<io.strata.store.engine.FsckReport.Damage> check() throws IOException;
}
