package io.strata.server.op;

/**
 * The optional ability of a download source that another thread fills (an export, a build log,
 * transfer progress): saying whether a read would return at once, and calling back when it would. A
 * download waits on such a source without holding an engine thread, so slow producers (a long
 * build, the silent peer of a pull) cannot take the threads every other request needs, and a CANCEL
 * or a shutdown is never queued behind a read that waits.
 */
public interface Readiness {
  /**
   * Whether a read returns at once: bytes, the end, or a failure. If not and {@code whenReady} is
   * not null, it runs once, on any thread, when that changes; a later call replaces it. It must not
   * block.
   */
  boolean ready(Runnable whenReady);
}
