package io.strata.server.registry;

import io.strata.store.digest.Digest;
import io.strata.store.registry.RegistryStore;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.channels.ClosedByInterruptException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * Gzip layers pushed to the registry, stored whole at their PUT (so the push answers as soon as the
 * blob is safe, as fast as a plain registry), waiting to be turned into their uncompressed contents
 * and a recipe ({@link RegistryStore#keepAsRecipe}): the replay that proves a recipe is a deflate
 * of the whole layer, seconds of CPU a client should not wait for. One job at a time, on a thread
 * of its own. Each job holds a hard link to the upload's spool in {@code dir}, named by the blob's
 * digest, so the replay reads a file rather than the chunks, and a job a stop interrupted is found
 * again at the next start.
 */
final class RecipeJobs implements AutoCloseable {
  private static final System.Logger LOG = System.getLogger(RecipeJobs.class.getName());

  private final Path dir;
  private final RegistryStore store;
  private final ExecutorService thread;
  private final AtomicInteger pending = new AtomicInteger();
  private volatile Consumer<Digest> settled = d -> {};

  RecipeJobs(Path dir, RegistryStore store) throws IOException {
    this.dir = dir;
    this.store = store;
    this.thread =
        Executors.newSingleThreadExecutor(
            r -> {
              Thread t = new Thread(r, "registry-recipes");
              t.setDaemon(true);
              return t;
            });
    Files.createDirectories(dir);
    try (DirectoryStream<Path> left = Files.newDirectoryStream(dir)) {
      for (Path p : left) {
        String n = p.getFileName().toString();
        if (n.matches("[0-9a-f]{64}")) {
          queue(Digest.parse("sha256:" + n), p);
        } else {
          Files.deleteIfExists(p);
        }
      }
    }
  }

  /**
   * Queues blob {@code d}, just stored whole from the file {@code spool} (which the caller may
   * delete once this returns).
   */
  void submit(Digest d, Path spool) {
    Path job = dir.resolve(d.hex());
    try {
      Files.createLink(job, spool);
    } catch (FileAlreadyExistsException e) {
      return; // queued already
    } catch (IOException | UnsupportedOperationException e) {
      try {
        Files.copy(spool, job);
      } catch (IOException e2) {
        LOG.log(System.Logger.Level.WARNING, "blob {0}: stays whole: {1}", d, e2.toString());
        return;
      }
    }
    queue(d, job);
  }

  private void queue(Digest d, Path job) {
    pending.incrementAndGet();
    thread.execute(
        () -> {
          boolean interrupted = false;
          try {
            store.keepAsRecipe(d, job);
          } catch (InterruptedIOException | ClosedByInterruptException e) {
            interrupted = true;
          } catch (IOException | RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "blob {0}: stays whole: {1}", d, e.toString());
          } finally {
            interrupted |= Thread.currentThread().isInterrupted();
            if (!interrupted) {
              try {
                Files.deleteIfExists(job);
              } catch (IOException e) {
                LOG.log(System.Logger.Level.WARNING, "recipe job {0}: {1}", job, e.toString());
              }
              settled.accept(d);
            }
            pending.decrementAndGet();
          }
        });
  }

  /**
   * Calls {@code listener} (quickly: on the job thread) with each blob whose job ended, a recipe or
   * kept whole, once {@link #pending(Digest)} no longer says it waits.
   */
  void onSettled(Consumer<Digest> listener) {
    this.settled = listener;
  }

  /** Whether blob {@code d} waits for (or is in) its job: stored whole for now. */
  boolean pending(Digest d) {
    return Files.exists(dir.resolve(d.hex()));
  }

  /** Jobs queued or running. */
  int pending() {
    return pending.get();
  }

  /**
   * Stops the job in progress (its file stays, for the next start) and waits a little for it, so
   * that the engine does not close under it.
   */
  @Override
  public void close() {
    thread.shutdownNow();
    try {
      thread.awaitTermination(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
