package io.strata.driver.btrfs;

import io.strata.store.digest.Digest;
import io.strata.store.engine.ChunkAccess;
import io.strata.store.tree.ChunkNodeStore;
import io.strata.store.tree.CowTree;
import io.strata.store.tree.NodeCache;
import java.nio.ByteBuffer;
import org.roaringbitmap.RoaringBitmap;
import org.roaringbitmap.longlong.Roaring64NavigableMap;

/**
 * What {@code btrfs filesystem du -s --raw} prints for a subvolume: {@code Total}, {@code
 * Exclusive} and {@code Set shared} bytes of file data, computed the way btrfs-progs computes them
 * from FIEMAP.
 *
 * <p>btrfs-progs walks every regular inode once (hard links are one inode) and adds each extent's
 * length, rounded up to whole {@value ExtentLayout#BLOCK}-byte blocks, to {@code Total}; an extent
 * the kernel flags {@code SHARED} (another inode or another subvolume references it) goes to the
 * shared side, else to {@code Exclusive}; {@code Set shared} is the union of the shared extents'
 * on-disk ranges, each counted once (so never more than {@code Total}). Here an extent is a range
 * of a chunk, and it is shared when another inode of the same tree, another subvolume's tree, or
 * another root of the store (an image blob, say) references its chunk; two extents of one inode
 * sharing a chunk (a split extent's parts) do not make it shared, as in Btrfs. Equal content
 * written independently is one chunk in Strata, so it counts as shared where Btrfs, without offline
 * dedupe, would count it twice as exclusive.
 *
 * <p>Reads the subvolume's tree twice and every other subvolume's tree once, as btrfs-progs looks
 * up the back-references of every extent; memory holds chunk bitmaps, not extents.
 */
public final class FilesystemDu {
  /** The type of content items in the file system's tree keys ({@code u64 ino u8 type u64 n}). */
  private static final byte DATA_ITEM = 5;

  private static final int BLOCK = ExtentLayout.BLOCK;

  /** Blocks in the largest chunk: a chunk's blocks are numbered {@code id * this + block}. */
  private static final long BLOCKS_PER_CHUNK = (1 << 20) / BLOCK + 1;

  /**
   * The three figures.
   *
   * @param total bytes of every extent of every regular inode, in whole blocks
   * @param exclusive the part of {@code total} in extents nothing else references
   * @param setShared the shared extents' blocks, each counted once
   */
  public record Usage(long total, long exclusive, long setShared) {}

  private FilesystemDu() {}

  /**
   * The usage of the tree rooted at {@code root}; {@code elsewhere} holds every chunk referenced
   * outside that tree (other subvolumes' trees, the store's other roots).
   */
  static Usage of(ChunkAccess chunks, NodeCache cache, Digest root, RoaringBitmap elsewhere) {
    CowTree tree = new CowTree(new ChunkNodeStore(chunks, null), cache, root);
    // Pass 1: chunks referenced by more than one inode of this tree.
    RoaringBitmap seen = new RoaringBitmap();
    RoaringBitmap multi = new RoaringBitmap();
    RoaringBitmap current = new RoaringBitmap();
    long ino = -1;
    for (CowTree.Entry e : tree.scan(new byte[0], null)) {
      byte[] k = e.key();
      if (k.length != 17 || k[8] != DATA_ITEM) {
        continue;
      }
      long at = ByteBuffer.wrap(k).getLong(0);
      if (at != ino) {
        multi.or(RoaringBitmap.and(seen, current));
        seen.or(current);
        current.clear();
        ino = at;
      }
      int id = chunks.idOf(Extent.decode(e.value(), at, ByteBuffer.wrap(k).getLong(9)).chunk());
      if (id >= 0) {
        current.add(id);
      }
    }
    multi.or(RoaringBitmap.and(seen, current));
    RoaringBitmap shared = RoaringBitmap.or(multi, elsewhere);

    // Pass 2: each inode's extents, rounded to blocks (a block two extents touch counts once).
    long total = 0;
    long exclusive = 0;
    Roaring64NavigableMap sharedBlocks = new Roaring64NavigableMap();
    ino = -1;
    long countedTo = 0; // the end of the blocks counted so far for this inode, in blocks
    for (CowTree.Entry e : tree.scan(new byte[0], null)) {
      byte[] k = e.key();
      if (k.length != 17 || k[8] != DATA_ITEM) {
        continue;
      }
      ByteBuffer key = ByteBuffer.wrap(k);
      long at = key.getLong(0);
      long pos = key.getLong(9);
      if (at != ino) {
        ino = at;
        countedTo = 0;
      }
      Extent x = Extent.decode(e.value(), at, pos);
      long first = Math.max(pos / BLOCK, countedTo);
      long end = (pos + x.length() + BLOCK - 1) / BLOCK;
      if (end <= first) {
        continue;
      }
      long bytes = (end - first) * BLOCK;
      countedTo = end;
      total += bytes;
      int id = chunks.idOf(x.chunk());
      if (id >= 0 && shared.contains(id)) {
        // The blocks counted into Total, numbered from where the counted part starts in the chunk:
        // a chunk's range need not start on a block (content-defined chunks of an import), and
        // rounding it on its own would count the block two such extents share twice, so that Set
        // shared exceeded Total (docs/ADVERSARIAL.md, Z4). On a real Btrfs every extent starts on a
        // block and both numberings agree.
        long from = ((long) x.offset() + Math.max(0, first * BLOCK - pos)) / BLOCK;
        long base = id * BLOCKS_PER_CHUNK;
        sharedBlocks.addRange(base + from, base + from + (end - first));
      } else {
        exclusive += bytes;
      }
    }
    return new Usage(total, exclusive, sharedBlocks.getLongCardinality() * BLOCK);
  }
}
