package io.strata.containerd;

import io.strata.store.blob.TarAlignedWriter;
import io.strata.store.digest.Digest;
import io.strata.store.engine.ChunkStore;
import io.strata.store.engine.ObjectWriter;
import io.strata.store.engine.WriteSession;
import java.security.MessageDigest;
import java.time.Instant;

/**
 * One write in progress, named by its ref: bytes go straight into the chunk store through an open
 * write session, whose holds keep every chunk written so far alive through gc until the commit or
 * an abort. Kept across Write streams, so a client whose stream broke resumes at {@link #offset};
 * lost when stratad stops (the client then starts over from 0, as after an abort).
 *
 * <p>Used by one Write stream at a time ({@link #locked}); guarded by {@link Ingests}' lock for the
 * lock and by that exclusivity for the rest.
 */
final class Ingest {
  final String namespace;
  final String ref;
  final Instant started;
  Instant updated;
  long total;
  String expected = "";
  boolean locked;
  private boolean ended;

  private final ChunkStore chunks;
  private WriteSession session;
  // cut where tar files start and end: a layer's tar shares its files' chunks with a Strata image
  // holding the layer (docs/ADVERSARIAL.md, AJ4 and AC A12)
  private TarAlignedWriter writer;
  private MessageDigest sha;
  private long offset;

  Ingest(ChunkStore chunks, String namespace, String ref, Instant now) {
    this.chunks = chunks;
    this.namespace = namespace;
    this.ref = ref;
    this.started = now;
    this.updated = now;
    open();
  }

  private void open() {
    session = chunks.session();
    writer = new TarAlignedWriter(session);
    sha = Digest.newSha256();
    offset = 0;
  }

  /** Bytes written so far. */
  synchronized long offset() {
    return offset;
  }

  /** Appends {@code data}. */
  synchronized void write(byte[] data, Instant now) {
    checkLive();
    writer.write(data, 0, data.length);
    sha.update(data);
    offset += data.length;
    updated = now;
  }

  /** Starts over from offset 0, dropping what was written. */
  synchronized void truncate(Instant now) {
    checkLive();
    session.close();
    open();
    updated = now;
  }

  /** The digest of the bytes written so far. */
  synchronized String digestSoFar() {
    try {
      MessageDigest copy = (MessageDigest) sha.clone();
      return Digest.of(copy.digest()).toString();
    } catch (CloneNotSupportedException e) {
      throw new IllegalStateException("the JDK's SHA-256 can be cloned", e);
    }
  }

  /** Ends the object: its chunks, its digest; the session stays open for the commit. */
  synchronized Finished finish() {
    checkLive();
    ended = true;
    ObjectWriter.Written w = writer.finish();
    return new Finished(Digest.of(sha.digest()), w, session);
  }

  /** A finished object and the session that holds its chunks. */
  record Finished(Digest digest, ObjectWriter.Written written, WriteSession session) {}

  /** Drops everything written; the chunks become garbage for the next gc. */
  synchronized void discard() {
    ended = true;
    session.close();
  }

  private void checkLive() {
    if (ended) {
      throw ErrorCodes.notFound("ref " + ref + ": the write was aborted");
    }
  }
}
