package io.strata.perf.ingest;

import io.strata.perf.report.ResourceProbe;
import io.strata.store.engine.ChunkStore;
import io.strata.store.engine.ObjectWriter;
import io.strata.store.engine.WriteSession;
import io.strata.store.ref.Root;
import io.strata.store.ref.RootChange;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Stores every file of a data set as one object, streamed from disk, with {@code writers} files in
 * flight at once, on threads that outlive the ingest as a server's do (new threads would pay again
 * for their per-thread buffers and compression contexts). Each writer keeps one write session and
 * commits the roots of its files (one per file, named {@code <data set>/<relative path>}) every
 * {@code commitEvery} files and at the end, as a layer or snapshot import would; {@code commitEvery
 * = 1} makes every file durable on its own.
 */
final class TreeIngest {
  private final ChunkStore store;
  private final ExecutorService pool;
  private final int writers;
  private final int commitEvery;

  /**
   * What one ingest did.
   *
   * @param files files stored
   * @param bytes their bytes
   * @param newChunks chunks the store lacked
   * @param newBytes pack bytes those took
   * @param usage what it cost
   */
  record Result(long files, long bytes, long newChunks, long newBytes, ResourceProbe.Usage usage) {}

  /** Ingests into {@code store} on {@code writers} threads of {@code pool}. */
  TreeIngest(ChunkStore store, ExecutorService pool, int writers, int commitEvery) {
    this.store = store;
    this.pool = pool;
    this.writers = writers;
    this.commitEvery = commitEvery;
  }

  /** Stores every file of {@code ds}; returns when all are durable. */
  Result ingest(DataSet ds) throws IOException {
    ResourceProbe probe = ResourceProbe.start();
    AtomicInteger next = new AtomicInteger();
    long[] totals = new long[4];
    try {
      List<Future<long[]>> parts = new ArrayList<>();
      for (int i = 0; i < writers; i++) {
        parts.add(pool.submit(() -> writeFiles(ds, next)));
      }
      for (Future<long[]> f : parts) {
        long[] t = f.get();
        for (int i = 0; i < totals.length; i++) {
          totals[i] += t[i];
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("data set " + ds.name() + ": interrupted", e);
    } catch (ExecutionException e) {
      throw new IOException("data set " + ds.name() + ": " + e.getCause(), e.getCause());
    }
    return new Result(totals[0], totals[1], totals[2], totals[3], probe.stop());
  }

  /** One writer: takes files off the shared counter until none are left. */
  private long[] writeFiles(DataSet ds, AtomicInteger next) throws IOException {
    long[] t = new long[4];
    List<RootChange> pending = new ArrayList<>();
    WriteSession session = store.session();
    try {
      for (int i = next.getAndIncrement(); i < ds.files().size(); i = next.getAndIncrement()) {
        Path file = ds.files().get(i);
        ObjectWriter.Written w = writeFile(session, file);
        String name = ds.name() + "/" + ds.root().relativize(file);
        long size = w.recipe().size();
        pending.add(
            new RootChange.Put(
                new Root(name, size, w.recipe().encode(0).array(), w.recipe().chunkSet())));
        t[0]++;
        t[1] += size;
        t[2] += w.newChunks();
        t[3] += w.newBytes();
        if (pending.size() >= commitEvery) {
          session.commit(pending);
          pending = new ArrayList<>();
          session = store.session();
        }
      }
      session.commit(pending);
      return t;
    } finally {
      session.close();
    }
  }

  /**
   * Streams one file into the store, as a layer import stores a file: known by its chunks, with no
   * whole-file digest (which would be a second SHA-256 pass over every byte).
   */
  private static ObjectWriter.Written writeFile(WriteSession session, Path file) {
    ObjectWriter w = session.newUndigestedObject();
    try (InputStream in = Files.newInputStream(file)) {
      w.writeAll(in);
    } catch (IOException e) {
      throw new UncheckedIOException("reading " + file, e);
    }
    return w.finish();
  }
}
