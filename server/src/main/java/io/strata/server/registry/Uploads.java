package io.strata.server.registry;

import io.netty.handler.codec.http.HttpResponseStatus;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The uploads in progress, each spooled in {@code dir}. An upload lives until its final PUT, a
 * DELETE, or {@link #expire} finds it untouched for longer than the expiry and not in use. The
 * spools lie outside the chunk store, so a gc cannot take anything from them; their bytes enter the
 * store only at the final PUT, through one write session that gc respects. Spools left by an
 * earlier run are deleted at start.
 *
 * <p>An upload waiting for its next request holds no descriptor ({@link Upload}), but it still
 * holds about a kilobyte of memory (its running SHA-256 twice, its id) and a spool file's inode for
 * up to the expiry: at most {@link #MAX_IN_PROGRESS} are kept, and a POST past them is refused with
 * 429 TOOMANYREQUESTS, so that clients starting uploads they never finish run into a clear refusal
 * rather than the server's heap or the disk's inodes.
 */
final class Uploads {
  private static final System.Logger LOG = System.getLogger(Uploads.class.getName());

  /** The most uploads in progress (about 10 MB of heap, 10 000 inodes). */
  static final int MAX_IN_PROGRESS = 10_000;

  private final Path dir;
  private final int max;
  private final Duration expiry;
  private final Clock clock;
  private final Map<String, Upload> byId = new ConcurrentHashMap<>();
  // one thread flushes every upload's spool in the background (Upload.FLUSH_EVERY)
  private final ExecutorService flusher =
      Executors.newSingleThreadExecutor(
          r -> {
            Thread t = new Thread(r, "registry-spool-flush");
            t.setDaemon(true);
            return t;
          });

  Uploads(Path dir, Duration expiry, Clock clock) throws IOException {
    this(dir, expiry, clock, MAX_IN_PROGRESS);
  }

  /** As the above, keeping at most {@code max} uploads in progress. */
  Uploads(Path dir, Duration expiry, Clock clock, int max) throws IOException {
    this.dir = dir;
    this.max = max;
    this.expiry = expiry;
    this.clock = clock;
    io.strata.store.disk.AtomicFiles.createPrivateDirectories(dir);
    try (DirectoryStream<Path> old = Files.newDirectoryStream(dir)) {
      for (Path p : old) {
        Files.deleteIfExists(p);
      }
    }
  }

  long now() {
    return clock.millis();
  }

  /**
   * Starts an upload into {@code repo}; refused with 429 TOOMANYREQUESTS when {@code max} are in
   * progress (concurrent starts may pass it by a few). A spool that cannot be created (a full disk)
   * leaves no upload behind.
   */
  Upload start(String repo) throws IOException {
    if (byId.size() >= max) {
      throw new RegistryError(
          HttpResponseStatus.TOO_MANY_REQUESTS,
          "TOOMANYREQUESTS",
          "upload to "
              + repo
              + ": "
              + byId.size()
              + " uploads are in progress, the most the registry keeps; finish or cancel one, or"
              + " retry once abandoned ones expire");
    }
    String id = UUID.randomUUID().toString();
    Upload u = new Upload(id, repo, dir.resolve(id), now(), flusher);
    byId.put(id, u);
    return u;
  }

  /** Upload {@code id} of {@code repo}; refused with BLOB_UPLOAD_UNKNOWN. */
  Upload get(String repo, String id) {
    Upload u = byId.get(id);
    if (u == null || !u.repo().equals(repo)) {
      throw RegistryError.uploadUnknown("upload " + id + " to " + repo + " not found");
    }
    return u;
  }

  /** Ends upload {@code u} and deletes its spool. */
  void remove(Upload u) {
    byId.remove(u.id(), u);
    u.delete();
  }

  /** How many uploads are in progress. */
  int count() {
    return byId.size();
  }

  /** Discards uploads idle past the expiry; returns how many. */
  int expire() {
    long cutoff = now() - expiry.toMillis();
    List<Upload> old = new ArrayList<>();
    for (Upload u : byId.values()) {
      if (!u.busy() && u.lastUsed() < cutoff) {
        old.add(u);
      }
    }
    for (Upload u : old) {
      LOG.log(System.Logger.Level.DEBUG, "upload {0} to {1} expired", u.id(), u.repo());
      remove(u);
    }
    return old.size();
  }

  /** Deletes every spool (at shutdown). */
  void close() {
    flusher.shutdown(); // a flush running ends by itself; an interrupt would only close its file
    for (Upload u : new ArrayList<>(byId.values())) {
      remove(u);
    }
  }
}
