package io.strata.store.blob;

import io.strata.store.digest.Digest;
import io.strata.store.engine.ObjectWriter;
import io.strata.store.engine.WriteSession;
import io.strata.store.error.InvalidArgumentException;
import io.strata.store.ref.Root;
import io.strata.store.ref.RootChange;
import java.io.IOException;
import java.util.List;

/**
 * One blob being stored, fed in pieces of any size (as a network stream delivers them). Nothing is
 * visible until {@link #commit}; {@link #close} without a commit discards the write.
 */
public final class BlobWriter implements AutoCloseable {
  private final BlobService service;
  private final WriteSession session;
  private final ObjectWriter object;
  private boolean done;

  BlobWriter(BlobService service, WriteSession session) {
    this.service = service;
    this.session = session;
    this.object = session.newObject();
  }

  /** Adds {@code len} bytes of content. */
  public void write(byte[] b, int off, int len) {
    object.write(b, off, len);
  }

  /** Stores the blob durably and names it by its digest; returns what it cost. */
  public PutResult commit() throws IOException {
    return commit(null);
  }

  /**
   * {@link #commit()}, but only when the content's digest is {@code expected} (null: any);
   * otherwise refused with {@link InvalidArgumentException} and nothing named, as a registry must
   * refuse a blob that is not what its client says.
   */
  public PutResult commit(Digest expected) throws IOException {
    done = true;
    try {
      ObjectWriter.Written w = object.finish();
      if (expected != null && !w.digest().equals(expected)) {
        throw new InvalidArgumentException(
            "blob " + expected + ": content has digest " + w.digest());
      }
      String name = BlobService.rootName(w.digest());
      if (service.store().root(name) == null) {
        Root root =
            new Root(
                name,
                w.recipe().size(),
                BlobService.encode(w.digest(), w.recipe()),
                w.recipe().chunkSet());
        session.commit(List.of(new RootChange.Put(root)));
      } else {
        session.commit(List.of());
      }
      return new PutResult(w.digest(), w.recipe().size(), w.newChunks(), w.newBytes());
    } finally {
      session.close();
    }
  }

  /** Discards the write unless it was committed. */
  @Override
  public void close() {
    if (!done) {
      done = true;
      session.close();
    }
  }
}
