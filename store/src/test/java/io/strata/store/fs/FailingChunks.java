package io.strata.store.fs;

import io.strata.store.compress.Compression;
import io.strata.store.engine.ChunkStore;
import io.strata.store.engine.WriteSession;
import java.io.IOException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A chunk store whose writes fail as on a full disk when a test says so: data chunk writes after a
 * count of them, tree node writes (a commit) while {@link #failNodes} is set.
 */
final class FailingChunks extends ForwardingChunks {
  /** Data chunk writes that succeed before the rest fail; -1: all succeed. */
  final AtomicInteger failAfter = new AtomicInteger(-1);

  /** Whether tree node writes fail (a commit then fails). */
  final AtomicBoolean failNodes = new AtomicBoolean();

  FailingChunks(ChunkStore store) {
    super(store);
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
}
