package io.strata.store.engine;

import io.strata.store.compress.Compression;
import io.strata.store.digest.Digest;
import io.strata.store.ref.Root;
import java.io.IOException;
import java.util.List;
import org.roaringbitmap.RoaringBitmap;

/**
 * What trees, file systems and storage drivers may do with the chunk store: store and read chunks
 * within write sessions, look chunks up, and see the roots their snapshots are kept by. Not gc,
 * fsck, checkpoints or the shared store: those belong to the engine ({@link ChunkStore}), and a
 * driver that could call them could break the store's invariants from below.
 */
public interface ChunkAccess {
  /** Opens a write session; close or commit it. */
  WriteSession session();

  /**
   * Stores {@code len} bytes as one chunk, as given (no content-defined cutting): tree nodes and
   * small writes. When it returns the chunk is readable, durable once the session commits.
   */
  ChunkStore.Stored putChunk(WriteSession session, byte[] b, int off, int len) throws IOException;

  /**
   * Stores a tree node as a chunk of its own (never compressed together with others, so that one
   * node read alone stays cheap).
   */
  ChunkStore.Stored putNode(WriteSession session, byte[] node, int off, int len) throws IOException;

  /** As {@link #putChunk(WriteSession, byte[], int, int)}, with this codec if the chunk is new. */
  ChunkStore.Stored putChunk(
      WriteSession session, byte[] b, int off, int len, Compression compression) throws IOException;

  /**
   * The chunk sizes the store cuts objects with: a layout that cuts content itself (appends through
   * a mount) cuts with them, so that its chunks are the ones an import of the same bytes stores.
   */
  io.strata.store.chunk.ChunkerParams chunkerParams();

  /** Reads chunk {@code id} into {@code dst}, checked; its length. */
  int read(int id, byte[] dst) throws IOException;

  /**
   * The id of the chunk with digest {@code d} that a new reference may use, or -1 if the store
   * lacks it (or holds it only condemned by a fleet's gc: then the bytes are stored anew).
   */
  int idOf(Digest d);

  /**
   * The id to read the chunk with digest {@code d} at, for a reference that exists: as {@link
   * #idOf}, or else a condemned one (still live for this reference); -1 if the store lacks it.
   */
  default int readableIdOf(Digest d) {
    return idOf(d);
  }

  /** The digest of chunk {@code id}, or null if the index lacks it. */
  Digest digest(int id);

  /**
   * Every id the store holds the bytes of digest {@code d} under: usually one, more where two
   * stores sharing a bucket stored the same bytes before either saw the other's (a fleet's gc then
   * points them at one record). Roots may hold any of them; {@link #idOf} returns one.
   */
  default int[] idsOf(Digest d) {
    int id = idOf(d);
    return id < 0 ? new int[0] : new int[] {id};
  }

  /** Pack bytes of the chunks in {@code ids} (those the index holds). */
  long storedBytes(RoaringBitmap ids);

  /** The root named {@code name}, or null. */
  Root root(String name);

  /** Every root whose name starts with {@code prefix}. */
  List<Root> roots(String prefix);

  /** The union of every root's chunks except those of {@code excluded}. */
  RoaringBitmap referencedExcept(String excluded);

  /**
   * After a commit failed on a full disk: if the records appended since the last fsync still cannot
   * be written, gives them up (see {@link ChunkStore#abandonUnwritable}); nothing otherwise.
   */
  default void abandonUnwritable() {}
}
