package io.strata.store.fs;

import io.strata.store.chunk.ChunkerParams;
import io.strata.store.compress.Compression;
import io.strata.store.digest.Digest;
import io.strata.store.engine.ChunkAccess;
import io.strata.store.engine.ChunkStore;
import io.strata.store.engine.WriteSession;
import io.strata.store.ref.Root;
import java.io.IOException;
import java.util.List;
import org.roaringbitmap.RoaringBitmap;

/**
 * A real chunk store seen through {@link ChunkAccess}, every call passed on: tests extend it and
 * override the calls they fail, hold or count.
 */
abstract class ForwardingChunks implements ChunkAccess {
  final ChunkStore store;

  ForwardingChunks(ChunkStore store) {
    this.store = store;
  }

  @Override
  public ChunkerParams chunkerParams() {
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
    return store.putChunk(session, b, off, len, compression);
  }

  @Override
  public ChunkStore.Stored putNode(WriteSession session, byte[] node, int off, int len)
      throws IOException {
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
