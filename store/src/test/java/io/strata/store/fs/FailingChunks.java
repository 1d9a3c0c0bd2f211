package io.strata.store.fs;

import io.strata.store.compress.Compression;
import io.strata.store.digest.Digest;
import io.strata.store.engine.ChunkAccess;
import io.strata.store.engine.ChunkStore;
import io.strata.store.engine.WriteSession;
import io.strata.store.ref.Root;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.roaringbitmap.RoaringBitmap;

/**
 * A chunk store whose writes fail as on a full disk when a test says so: data chunk writes after a
 * count of them, tree node writes (a commit) while {@link #failNodes} is set.
 */
final class FailingChunks implements ChunkAccess {
  /** Data chunk writes that succeed before the rest fail; -1: all succeed. */
  final AtomicInteger failAfter = new AtomicInteger(-1);

  /** Whether tree node writes fail (a commit then fails). */
  final AtomicBoolean failNodes = new AtomicBoolean();

  private final ChunkStore store;

  FailingChunks(ChunkStore store) {
    this.store = store;
  }

  @Override
  public io.strata.store.chunk.ChunkerParams chunkerParams() {
    return store.chunkerParams();
  }

  @Override
  public ChunkStore.Stored putChunk(WriteSession session, byte[] b, int off, int len)
      throws IOException {
    return putChunk(session, b, off, len, null);
  }

  @Override
  public ChunkStore.Stored putChunk(
      WriteSession session, byte[] b, int off, int len, Compression compression)
      throws IOException {
    if (failAfter.get() == 0) {
      throw new IOException("No space left on device");
    }
    if (failAfter.get() > 0) {
      failAfter.decrementAndGet();
    }
    return store.putChunk(session, b, off, len, compression);
  }

  @Override
  public ChunkStore.Stored putNode(WriteSession session, byte[] node, int off, int len)
      throws IOException {
    if (failNodes.get()) {
      throw new IOException("No space left on device");
    }
    return store.putNode(session, node, off, len);
  }

  @Override
  public int read(int id, byte[] dst) throws IOException {
    return store.read(id, dst);
  }

  @Override
  public WriteSession session() {
    return store.session();
  }

  @Override
  public int idOf(Digest d) {
    return store.idOf(d);
  }

  @Override
  public Digest digest(int id) {
    return store.digest(id);
  }

  @Override
  public long storedBytes(RoaringBitmap ids) {
    return store.storedBytes(ids);
  }

  @Override
  public Root root(String name) {
    return store.root(name);
  }

  @Override
  public List<Root> roots(String prefix) {
    return store.roots(prefix);
  }

  @Override
  public RoaringBitmap referencedExcept(String excluded) {
    return store.referencedExcept(excluded);
  }
}
