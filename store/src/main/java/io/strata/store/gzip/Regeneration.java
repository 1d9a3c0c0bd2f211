package io.strata.store.gzip;

import java.io.IOException;

/**
 * A blob regenerated in parts compressed side by side, handed to its sink in order, one step at a
 * time, for {@link RegeneratedGzipInputStream} to read.
 */
interface Regeneration {
  /** Gives the sink the next bytes of the blob; false once it has all of them. */
  boolean step() throws IOException;

  /** Whether the sink has the whole blob, trailer included. */
  boolean ended();

  /** Gives back what parts not handed out hold (a reader that stops early). */
  void close();
}
