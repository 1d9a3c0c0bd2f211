package io.strata.store.fs;

import io.strata.store.digest.Digest;
import io.strata.store.engine.ChunkAccess;
import io.strata.store.engine.WriteSession;
import io.strata.store.error.CorruptDataException;
import io.strata.store.tree.ChunkNodeStore;
import io.strata.store.tree.CowTree;
import io.strata.store.tree.NodeCache;
import java.nio.ByteBuffer;
import org.roaringbitmap.RoaringBitmap;

/**
 * A file system's tree as a whole, apart from any open file system: writing an empty one, and
 * finding every chunk one references (what a snapshot's root must keep alive).
 */
final class TreeFormat {
  private TreeFormat() {}

  /** Writes an empty file system (a root directory, mode 0755) in {@code session}. */
  static TreeFileSystem.Formatted format(
      ChunkAccess chunks, NodeCache cache, WriteSession session, long nowNanos) {
    ChunkNodeStore nodes = new ChunkNodeStore(chunks, session);
    CowTree t = new CowTree(nodes, cache, null);
    t.put(FsKeys.key(0, FsKeys.META), ByteBuffer.allocate(8).putLong(Directories.ROOT + 1).array());
    t.put(
        FsKeys.key(Directories.ROOT, FsKeys.INODE),
        new Inode(FileStat.S_IFDIR | 0755, 0, 0, 2, 0, nowNanos, nowNanos, nowNanos, null)
            .encode());
    Digest d = t.flush();
    return new TreeFileSystem.Formatted(d, nodes.drainAdded());
  }

  /**
   * Every chunk the tree rooted at {@code root} references: its nodes, and the chunks named by its
   * DATA items (whose values start with a digest, by the {@link FileLayout} contract). Reads every
   * node once; the cost follows the tree's size.
   */
  static RoaringBitmap referencedChunks(ChunkAccess chunks, NodeCache cache, Digest root) {
    ChunkNodeStore nodes = new ChunkNodeStore(chunks, null);
    CowTree t = new CowTree(nodes, cache, root);
    RoaringBitmap out = new RoaringBitmap();
    t.forEachNode(d -> addId(chunks, d, out));
    for (CowTree.Entry e : t.scan(new byte[0], null)) {
      if (FsKeys.type(e.key()) == FsKeys.DATA
          && e.key().length == 17
          && e.value().length >= Digest.LENGTH) {
        addId(chunks, Digest.of(e.value(), 0), out);
      }
    }
    out.runOptimize();
    return out;
  }

  private static void addId(ChunkAccess chunks, Digest d, RoaringBitmap out) {
    int id = chunks.readableIdOf(d);
    if (id < 0) {
      throw new CorruptDataException(
          "chunk " + d + " of a tree is missing from the store", d.toString());
    }
    out.add(id);
  }
}
