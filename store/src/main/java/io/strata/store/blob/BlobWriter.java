package io.strata.store.blob;

import io.strata.store.digest.Digest;
import io.strata.store.engine.ObjectWriter;
import io.strata.store.engine.WriteSession;
import io.strata.store.error.InvalidArgumentException;
import io.strata.store.ref.Root;
import io.strata.store.ref.RootChange;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.roaringbitmap.RoaringBitmap;

/**
 * One blob being stored, fed in pieces of any size (as a network stream delivers them). Nothing is
 * visible until {@link #commit}; {@link #close} without a commit discards the write.
 */
public final class BlobWriter implements AutoCloseable {
  private final BlobService service;
  private final WriteSession session;
  private final TarAlignedWriter object;
  private final java.security.MessageDigest sha = Digest.newSha256();
  private final BlobService.Owner owner;
  private boolean done;

  BlobWriter(BlobService service, WriteSession session, BlobService.Owner owner) {
    this.service = service;
    this.session = session;
    // cut where tar files start and end, as a gzip blob's contents are: an uncompressed layer
    // (a published image's, a pushed one) then shares its files' chunks with the image's layer
    this.object = new TarAlignedWriter(session);
    this.owner = owner;
  }

  /** Adds {@code len} bytes of content. */
  public void write(byte[] b, int off, int len) {
    object.write(b, off, len);
    sha.update(b, off, len);
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
    return commitWith(expected, chunks -> List.of());
  }

  /**
   * {@link #commit(Digest)}, with the changes {@code alongside} makes of the blob's chunks in the
   * same commit (one fsync of the packs and of the root log for both: the registry stores a
   * manifest and its records so). Nothing of either is committed when the digest is refused.
   */
  public PutResult commitWith(Digest expected, Function<RoaringBitmap, List<RootChange>> alongside)
      throws IOException {
    done = true;
    try {
      ObjectWriter.Written cut = object.finish();
      ObjectWriter.Written w =
          new ObjectWriter.Written(
              Digest.of(sha.digest()), cut.recipe(), cut.newChunks(), cut.newBytes(), cut.fresh());
      if (expected != null && !w.digest().equals(expected)) {
        throw new InvalidArgumentException(
            "blob " + expected + ": content has digest " + w.digest());
      }
      Root root =
          new Root(
              BlobService.rootName(w.digest()),
              w.recipe().size(),
              BlobService.encode(w.digest(), w.recipe()),
              w.recipe().chunkSet());
      synchronized (BlobService.MARKS) {
        List<RootChange> changes = new ArrayList<>(service.naming(w.digest(), root, owner));
        changes.addAll(alongside.apply(w.recipe().chunkSet()));
        session.commit(changes);
      }
      return new PutResult(
          w.digest(), w.recipe().size(), w.newChunks(), BlobService.newBytes(service, w));
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
