package io.strata.server.registry;

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
 */
final class Uploads {
  private static final System.Logger LOG = System.getLogger(Uploads.class.getName());

  private final Path dir;
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
    this.dir = dir;
    this.expiry = expiry;
    this.clock = clock;
    Files.createDirectories(dir);
    try (DirectoryStream<Path> old = Files.newDirectoryStream(dir)) {
      for (Path p : old) {
        Files.deleteIfExists(p);
      }
    }
  }

  long now() {
    return clock.millis();
  }

  /** Starts an upload into {@code repo}. */
  Upload start(String repo) throws IOException {
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
