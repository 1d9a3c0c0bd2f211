package io.strata.store.blob;

import io.strata.store.digest.Digest;
import io.strata.store.engine.ObjectWriter;
import io.strata.store.engine.WriteSession;
import io.strata.store.gzip.GzipRecipe;
import io.strata.store.ref.Root;
import io.strata.store.ref.RootChange;
import java.io.IOException;
import java.util.List;

/**
 * One gzip blob being stored as its uncompressed contents (cut where tar files start and end, see
 * {@link TarAlignedWriter}) and its recipe. Nothing is visible until {@link #commit}; {@link
 * #close} without a commit discards the write.
 */
final class GzipBlobWriter implements AutoCloseable {
  private final BlobService service;
  private final WriteSession session;
  private final TarAlignedWriter contents;
  private boolean done;

  GzipBlobWriter(BlobService service, WriteSession session) {
    this.service = service;
    this.session = session;
    this.contents = new TarAlignedWriter(session);
  }

  /** Adds uncompressed bytes. */
  void write(byte[] b, int off, int len) {
    contents.write(b, off, len);
  }

  /**
   * Names the blob {@code digest}, regenerated from what was written by {@code gzip} (the caller
   * checked that it is). Returns the uncompressed size and what the contents added to the store.
   */
  PutResult commit(Digest digest, GzipRecipe gzip, BlobService.Owner owner) throws IOException {
    done = true;
    try {
      ObjectWriter.Written w = contents.finish();
      Root root =
          new Root(
              BlobService.rootName(digest),
              gzip.size(),
              BlobService.encodeGzip(digest, gzip, w.recipe()),
              w.recipe().chunkSet());
      synchronized (BlobService.MARKS) {
        session.commit(service.naming(digest, root, owner));
      }
      return new PutResult(
          digest, w.recipe().size(), w.newChunks(), BlobService.newBytes(service, w));
    } finally {
      session.close();
    }
  }

  /**
   * Names the blob {@code digest} as {@link #commit} does, replacing the root of that name (the
   * blob kept whole until now; the caller checked it is unchanged).
   */
  PutResult replace(Digest digest, GzipRecipe gzip) throws IOException {
    done = true;
    try {
      ObjectWriter.Written w = contents.finish();
      Root root =
          new Root(
              BlobService.rootName(digest),
              gzip.size(),
              BlobService.encodeGzip(digest, gzip, w.recipe()),
              w.recipe().chunkSet());
      session.commit(List.of(new RootChange.Put(root)));
      return new PutResult(
          digest, w.recipe().size(), w.newChunks(), BlobService.newBytes(service, w));
    } finally {
      session.close();
    }
  }

  @Override
  public void close() {
    if (!done) {
      done = true;
      session.close();
    }
  }
}
