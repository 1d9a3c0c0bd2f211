package io.strata.store.engine;

import io.strata.store.chunk.ChunkSplitter;
import io.strata.store.digest.Digest;
import io.strata.store.error.StrataException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.security.MessageDigest;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Iterator;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;

/**
 * Streams one object into the store. The calling thread cuts chunks and hashes the whole object. A
 * chunk that joins a group of new chunks (every chunk of the store's own codec shorter than the
 * group size: all of them by default) is hashed, deduplicated and copied into its group here, and
 * the full groups are compressed and appended by worker threads ({@link ChunkGroups}), so one large
 * object still uses every core. Any other chunk is hashed, deduplicated, compressed and appended by
 * a worker thread when a core would otherwise be idle (the writer cutting ahead of the workers),
 * and by the calling thread itself when every core is busy and the chunk is not small (so many
 * large objects at once pay no hand-off). A bounded window of chunks is in flight, so memory stays
 * bounded whatever the object's size.
 */
public final class ObjectWriter {
  /**
   * Chunks that join no group (groups off, or a store sharing a bucket) and are smaller than this
   * always go to a worker. Copying them costs next to nothing, and a server taking many small puts
   * on many threads stored them faster on the workers' warm compression contexts than on each
   * thread's own (16 clients of 4 KiB puts, before groups: 11% more puts a second, and no
   * per-thread scratch left on every engine thread; docs/PERF.md).
   */
  private static final int SMALLEST_STORED_HERE = 16 << 10;

  private final ChunkWriter store;
  private final WriteSession session;
  private final ChunkSplitter splitter;
  private final MessageDigest whole;
  private final ArrayDeque<Future<ChunkRef>> inFlight = new ArrayDeque<>();
  private int[] ids = new int[64];
  private int[] lengths = new int[64];
  private int count;
  private int newChunks;
  private long newBytes;
  // the ids of the chunks this object stored that the store lacked
  private final org.roaringbitmap.RoaringBitmap fresh = new org.roaringbitmap.RoaringBitmap();
  private boolean finished;

  ObjectWriter(ChunkWriter store, WriteSession session, boolean digestContent) {
    this.store = store;
    this.session = session;
    this.whole = digestContent ? Digest.newSha256() : null;
    this.splitter = new ChunkSplitter(store.chunker(), this::submit, store.window());
  }

  /** Adds {@code len} bytes of content. */
  public void write(byte[] b, int off, int len) {
    ensureOpen();
    if (whole != null) {
      whole.update(b, off, len);
    }
    store.startWriting();
    try {
      splitter.write(b, off, len);
    } finally {
      store.stopWriting();
    }
  }

  /** Adds everything {@code in} yields, read straight into the chunker's window. */
  public void writeAll(InputStream in) throws IOException {
    ensureOpen();
    ChunkSplitter.Sink seen = whole == null ? null : whole::update;
    store.startWriting();
    try {
      while (splitter.readFrom(in, seen) >= 0) {
        // each read is cut and stored as it arrives
      }
    } finally {
      store.stopWriting();
    }
  }

  // The window goes back to the store at finish(): writing after that would scribble on another
  // object's window.
  private void ensureOpen() {
    if (finished) {
      throw new IllegalStateException("object already finished");
    }
  }

  /** Ends the object: waits for its chunks and returns what it is made of. */
  public Written finish() {
    if (finished) {
      throw new IllegalStateException("object already finished");
    }
    finished = true;
    splitter.finish();
    while (!inFlight.isEmpty()) {
      collect();
    }
    // Every chunk was copied out of the window as it was cut: the next object may have it.
    store.giveWindow(splitter.window());
    return new Written(
        whole == null ? null : Digest.of(whole.digest()),
        new Recipe(Arrays.copyOf(ids, count), Arrays.copyOf(lengths, count)),
        newChunks,
        newBytes,
        fresh);
  }

  /**
   * A finished object.
   *
   * @param digest the SHA-256 of the whole content, or null if not asked for
   * @param recipe its chunks
   * @param newChunks chunks it stored that the store lacked
   * @param newBytes pack bytes those took, as far as known when it finished: a chunk that joined a
   *     group counts only once its group is written ({@link #fresh}, after the commit)
   * @param fresh the ids of those chunks
   */
  public record Written(
      Digest digest,
      Recipe recipe,
      int newChunks,
      long newBytes,
      org.roaringbitmap.RoaringBitmap fresh) {
    /** A finished object whose new chunks are not told apart. */
    public Written(Digest digest, Recipe recipe, int newChunks, long newBytes) {
      this(digest, recipe, newChunks, newBytes, new org.roaringbitmap.RoaringBitmap());
    }
  }

  private void submit(byte[] buf, int off, int len) {
    if (store.joinsGroup(len)) {
      // A hash and a copy: less than a hand-off costs. Its group is compressed on a worker.
      inFlight.add(storeHere(buf, off, len));
    } else if (len < SMALLEST_STORED_HERE || store.hasIdleCore()) {
      // The splitter reuses its window, so the chunk moves to a buffer the worker gives back.
      byte[] chunk = store.chunkBuffer();
      System.arraycopy(buf, off, chunk, 0, len);
      inFlight.add(store.storeChunkAsync(session, chunk, len));
    } else {
      inFlight.add(storeHere(buf, off, len));
    }
    if (inFlight.size() >= store.writeWindow()) {
      // Wait for the chunk half a window back, then take every finished one: this thread then
      // sleeps and wakes once per half window rather than once per chunk.
      awaitQuietly(nth(inFlight.size() / 2));
      do {
        collect();
      } while (!inFlight.isEmpty() && inFlight.peek().isDone());
    }
  }

  /** Stores the chunk on this thread; a failure is kept for {@link #collect} to report in order. */
  private Future<ChunkRef> storeHere(byte[] buf, int off, int len) {
    try {
      return CompletableFuture.completedFuture(store.storeChunkHere(session, buf, off, len));
    } catch (IOException | RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  private Future<ChunkRef> nth(int n) {
    Iterator<Future<ChunkRef>> it = inFlight.iterator();
    for (int i = 0; i < n; i++) {
      it.next();
    }
    return it.next();
  }

  /** Waits for {@code f} to finish; a failure is left for {@link #collect} to report in order. */
  private static void awaitQuietly(Future<ChunkRef> f) {
    try {
      f.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new StrataException("interrupted while storing a chunk", e);
    } catch (ExecutionException e) {
      // collect() rethrows it
    }
  }

  private void collect() {
    ChunkRef ref;
    try {
      ref = inFlight.poll().get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new StrataException("interrupted while storing a chunk", e);
    } catch (ExecutionException e) {
      Throwable c = e.getCause();
      if (c instanceof StrataException se) {
        throw se;
      }
      if (c instanceof UncheckedIOException u) {
        throw u;
      }
      if (c instanceof IOException io) {
        throw new UncheckedIOException(io);
      }
      throw new StrataException("storing a chunk failed: " + c, c);
    }
    if (count == ids.length) {
      ids = Arrays.copyOf(ids, count * 2);
      lengths = Arrays.copyOf(lengths, count * 2);
    }
    ids[count] = ref.id();
    lengths[count] = ref.length();
    count++;
    if (ref.isNew()) {
      newChunks++;
      newBytes += ref.storedBytes();
      fresh.add(ref.id());
    }
  }
}
