package io.strata.store.registry;

import io.strata.store.digest.Digest;
import java.time.Duration;
import java.util.Collection;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * The links of a repository a client was just told of: a blob upload or a cross-repository mount
 * answered 201, a HEAD answered 200 (not a GET: a pull relies on nothing after it, and would keep
 * the blobs of every view it pulled from the sweep that frees them), as {@code REPO@HEX} with when.
 * A client pushing an image tells the registry which blobs it holds, or learns it, and only then
 * PUTs the manifest that names them: a deletion (a DELETE of another manifest, the sweep of a stale
 * view) in between must not take a link it was told of, or that PUT fails {@code
 * MANIFEST_BLOB_UNKNOWN} (docs/ADVERSARIAL.md, S2). {@link RegistryStore} defers the removal of
 * such a link until {@link #GRACE} after the client was last told of it.
 *
 * <p>In memory, not roots: a HEAD stays a map update with no commit, and a restart drops only the
 * grace, which a client whose push a restart interrupted does not need (it retries the push, with
 * its HEADs). The map holds at most {@link #MAX} entries, oldest dropped first, and entries past
 * the grace are dropped as new ones come: memory is bounded whatever the request rate. A link
 * dropped early loses its grace only: a deletion then takes it as it did before. A manifest a
 * client pushes ends the grace of the blobs it names ({@link #forget}): what the client was waiting
 * for is done, and a DELETE of that image right after frees its blobs as before.
 *
 * <p>{@link #record} and the look at the link it guards are one step under this object's lock, and
 * a deletion decides which links it keeps and commits under it too: a HEAD either records a link
 * the deletion then keeps, or finds it gone.
 */
final class ToldLinks {
  /**
   * How long a link a client was told of is kept from deletions: a push of one image (its blobs
   * then its manifest) takes seconds to minutes; an hour, the registry's default upload expiry,
   * covers a slow push of a large image.
   */
  static final Duration GRACE = Duration.ofHours(1);

  /** At most this many links remembered (a few MiB). */
  static final int MAX = 100_000;

  private final LongSupplier millis;
  private final long grace;

  // insertion order is time order: a recorded link is moved to the end
  private final LinkedHashMap<String, Long> told = new LinkedHashMap<>();

  /**
   * @param millis the clock, in milliseconds
   */
  ToldLinks(LongSupplier millis, Duration grace) {
    this.millis = millis;
    this.grace = grace.toMillis();
  }

  static String key(String repo, Digest d) {
    return repo + "@" + d.hex();
  }

  /** Records that a client was told, now, that {@code repo} holds blob {@code d}. */
  synchronized void record(String repo, Digest d) {
    long now = millis.getAsLong();
    String k = key(repo, d);
    told.remove(k);
    told.put(k, now);
    expire(now);
    if (told.size() > MAX) {
      Iterator<Map.Entry<String, Long>> it = told.entrySet().iterator();
      it.next();
      it.remove();
    }
  }

  /** Whether a client was told of blob {@code d} of {@code repo} within the grace. */
  synchronized boolean withinGrace(String repo, Digest d) {
    expire(millis.getAsLong());
    return told.containsKey(key(repo, d));
  }

  /**
   * Forgets the blobs {@code named} of {@code repo}: a manifest a client pushed names them, so the
   * links are no longer waiting for one, and a deletion of that manifest takes them as it would.
   */
  synchronized void forget(String repo, Collection<Digest> named) {
    for (Digest d : named) {
      told.remove(key(repo, d));
    }
  }

  private void expire(long now) {
    Iterator<Map.Entry<String, Long>> it = told.entrySet().iterator();
    while (it.hasNext()) {
      if (now - it.next().getValue() < grace) {
        return;
      }
      it.remove();
    }
  }
}
