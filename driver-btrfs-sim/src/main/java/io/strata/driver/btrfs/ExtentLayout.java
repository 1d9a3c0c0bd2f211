package io.strata.driver.btrfs;

import io.strata.store.chunk.ChunkerParams;
import io.strata.store.chunk.FastCdc;
import io.strata.store.error.CorruptDataException;
import io.strata.store.fs.AccessTimes;
import io.strata.store.fs.DirectoryCounts;
import io.strata.store.fs.FileData;
import io.strata.store.fs.FileLayout;
import io.strata.store.fs.FileSystemView;
import io.strata.store.fs.LastChunk;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A file's content as Btrfs lays it out: byte-range {@link Extent}s over chunks, keyed by file
 * offset, with holes (ranges no extent covers) reading as zeros.
 *
 * <p>A write is widened to whole {@value #BLOCK}-byte blocks (reading back at most the partial head
 * and tail block), stored as new chunks of at most one MiB cut at absolute MiB offsets (so
 * rewriting the same bytes at the same place deduplicates), and the extents it overlaps are trimmed
 * or split around it, their remaining parts still pointing into the old chunks. A 4 KiB write into
 * a large file therefore stores one block and a few extent items, whatever the file's size. No
 * extent reaches past the file's size, so growing a file always exposes a hole.
 *
 * <p>An append (a write at the file's end, as a file is written from start to end) is cut into the
 * store's content-defined chunks instead, as an import of the file cuts it ({@link
 * #appendByContent}), so that what a container writes deduplicates with the same bytes anywhere.
 *
 * <p>One instance serves one open file system. It keeps no state: reads run on several threads at
 * once, and the chunks read are kept between reads ({@link LastChunk}), so that sequential reads
 * decode each chunk once.
 */
final class ExtentLayout implements FileLayout {
  /** The copy-on-write granularity: a Btrfs sector. */
  static final int BLOCK = 4096;

  /**
   * No extent is longer than a chunk, so the one covering an offset starts less than this before.
   */
  private static final int MAX_EXTENT = ChunkerParams.MAX_CHUNK;

  /** Set while {@link #capture} reads a file: the read records the file's extents here. */
  private static final ThreadLocal<ExtentList.Builder> CAPTURE = new ThreadLocal<>();

  /** The random bytes that make a block {@link #growing} rewrites a chunk of its own. */
  private static final int UNIQUE_TAIL = 16;

  private final AccessTimes accessTimes;

  /**
   * Where the next write to inode {@link #widenIno} starts instead of its first block: the block
   * holding the file's old end, which {@link #growing} left to the write. Changes only, under the
   * file system's write lock.
   */
  private long widenFrom = -1;

  private long widenIno = -1;

  /** Where content-defined cutting resumes in the files being appended to. */
  private final AppendTails tails = new AppendTails();

  /** A layout whose reads change access times by {@code accessTimes} (Linux's mount option). */
  ExtentLayout(AccessTimes accessTimes) {
    this.accessTimes = accessTimes;
  }

  /**
   * Rewrites the block holding the file's old end, with zeros past it, when the file grows past
   * that block without a write covering it: a truncate up, or a write that starts in a later block.
   * That is what Btrfs does ({@code btrfs_cont_expand} zeroes the block's tail through {@code
   * btrfs_truncate_block}), so the block gets an extent of its own, allocated even where it was a
   * hole, and is no longer shared with a snapshot; {@code filesystem du} counts it so. The bytes
   * read the same either way, as no extent reaches past the old end. A write that starts in that
   * block or before rewrites it itself.
   */
  @Override
  public void growing(FileData file, long newSize, long writeOffset) throws IOException {
    widenIno = -1;
    widenFrom = -1;
    long size = file.size();
    tails.growing(file.ino(), size, writeOffset);
    long block = alignDown(size);
    if (size == block || (writeOffset >= 0 && alignDown(writeOffset) <= size)) {
      return;
    }
    if (writeOffset >= 0 && alignDown(writeOffset) == block + BLOCK) {
      // The zeroed block and the write's first block are adjacent: Btrfs writes them out as one
      // extent, so the write starts at the zeroed block (reading it back, zeros past the old end).
      widenIno = file.ino();
      widenFrom = block;
      return;
    }
    int n = (int) (Math.min(block + BLOCK, newSize) - block);
    byte[] buf = new byte[n + UNIQUE_TAIL];
    // Btrfs allocates the block anew, whatever it holds; stored plainly, it would often be a chunk
    // the store has already (zeros where the old end lay in a hole, or the block as an earlier
    // growth wrote it) and count as shared in du. Random bytes after the range its extent covers
    // make it a chunk of its own, as the extent is Btrfs's.
    java.util.concurrent.ThreadLocalRandom.current().nextBytes(buf);
    read(file, block, buf, 0, (int) (size - block));
    Arrays.fill(buf, (int) (size - block), n, (byte) 0);
    Extent rewritten = new Extent(file.putChunk(buf, 0, n + UNIQUE_TAIL), 0, n);
    punch(file, block, size);
    file.putItem(block, rewritten.encode());
  }

  /**
   * The rule given, except while {@link #capture} reads a file: a reflink reads no data, and Btrfs
   * leaves the source's access time alone.
   */
  @Override
  public AccessTimes accessTimes() {
    return CAPTURE.get() != null ? AccessTimes.NEVER : accessTimes;
  }

  @Override
  public void write(FileData file, long offset, byte[] b, int off, int len) throws IOException {
    long from = tails.cutFrom(file.ino(), offset, file.chunkerParams().max());
    if (from >= 0 && appendByContent(file, from, offset, b, off, len)) {
      return;
    }
    long newEnd = offset + len;
    long start = alignDown(offset);
    if (widenIno == file.ino() && widenFrom >= 0 && widenFrom < start) {
      start = widenFrom;
    }
    widenIno = -1;
    widenFrom = -1;
    long end = Math.min(alignUp(newEnd), file.size());
    byte[] buf = new byte[(int) Math.min(MAX_EXTENT, end - start)];
    List<ExtentList.Placed> added = new ArrayList<>();
    for (long p = start; p < end; ) {
      long pe = Math.min(end, alignDown(p, MAX_EXTENT) + MAX_EXTENT);
      int n = (int) (pe - p);
      // Only the partial blocks at the ends of the write are read back.
      long ns = Math.min(Math.max(p, offset), pe);
      long ne = Math.max(ns, Math.min(pe, newEnd));
      if (p < ns) {
        read(file, p, buf, 0, (int) (ns - p));
      }
      if (ns < ne) {
        System.arraycopy(b, off + (int) (ns - offset), buf, (int) (ns - p), (int) (ne - ns));
      }
      if (ne < pe) {
        read(file, ne, buf, (int) (ne - p), (int) (pe - ne));
      }
      added.add(new ExtentList.Placed(p, new Extent(file.putChunk(buf, 0, n), 0, n)));
      p = pe;
    }
    punch(file, start, end);
    for (ExtentList.Placed e : added) {
      file.putItem(e.position(), e.extent().encode());
    }
  }

  @Override
  public void read(FileData file, long offset, byte[] dst, int off, int len) throws IOException {
    ExtentList.Builder capture = CAPTURE.get();
    if (capture != null) {
      capture.addAll(file);
    }
    long end = offset + len;
    long pos = offset;
    for (FileData.Item it : file.items(floor(offset), end)) {
      long es = it.key();
      Extent e = Extent.decode(it.value(), file.ino(), es);
      long from = Math.max(es, offset);
      long to = Math.min(es + e.length(), end);
      if (from >= to) {
        continue;
      }
      Arrays.fill(dst, off + (int) (pos - offset), off + (int) (from - offset), (byte) 0);
      try (LastChunk chunk = chunk(file, e)) {
        System.arraycopy(
            chunk.bytes(),
            e.offset() + (int) (from - es),
            dst,
            off + (int) (from - offset),
            (int) (to - from));
      }
      pos = to;
    }
    Arrays.fill(dst, off + (int) (pos - offset), off + len, (byte) 0);
  }

  @Override
  public void truncate(FileData file, long newSize) {
    tails.forget(file.ino());
    for (FileData.Item it : file.items(floor(newSize), Long.MAX_VALUE)) {
      long es = it.key();
      Extent e = Extent.decode(it.value(), file.ino(), es);
      if (es >= newSize) {
        file.deleteItem(es);
      } else if (es + e.length() > newSize) {
        file.putItem(es, e.slice(0, newSize - es).encode());
      }
    }
  }

  @Override
  public long dataBytes(byte[] value) {
    return Extent.decode(value, 0, 0).length();
  }

  /**
   * The blocks the file's extents cover, as Btrfs counts {@code st_blocks}: holes take none, and a
   * block two extents share (content-defined chunks end anywhere) counts once.
   */
  @Override
  public long allocatedBytes(FileData file) {
    long bytes = 0;
    long counted = 0; // the end of the last block counted
    for (FileData.Item it : file.scan(0, Long.MAX_VALUE)) {
      long from = Math.max(alignDown(it.key()), counted);
      long to = alignUp(it.key() + Extent.decode(it.value(), file.ino(), it.key()).length());
      if (to > from) {
        bytes += to - from;
        counted = to;
      }
    }
    return bytes;
  }

  @Override
  public long seekData(FileData file, long offset) {
    for (FileData.Item it : file.scan(Math.max(0, offset - MAX_EXTENT), Long.MAX_VALUE)) {
      long end = it.key() + Extent.decode(it.value(), file.ino(), it.key()).length();
      if (end > offset) {
        return Math.max(it.key(), offset);
      }
    }
    return -1;
  }

  @Override
  public long seekHole(FileData file, long offset) {
    long at = offset;
    for (FileData.Item it : file.scan(Math.max(0, offset - MAX_EXTENT), Long.MAX_VALUE)) {
      if (it.key() > at) {
        break; // a gap between extents
      }
      at = Math.max(at, it.key() + Extent.decode(it.value(), file.ino(), it.key()).length());
    }
    return Math.min(at, file.size());
  }

  @Override
  public DirectoryCounts directories() {
    return DirectoryCounts.BTRFS;
  }

  @Override
  public long replace(FileData file, InputStream in) throws IOException {
    tails.forget(file.ino());
    if (in instanceof ExtentList list) {
      for (ExtentList.Placed e : list.extents()) {
        file.putItem(e.position(), e.extent().encode());
      }
      return list.size();
    }
    long pos = 0;
    for (FileData.Piece p : file.putStream(in)) {
      if (p.length() > 0) {
        file.putItem(pos, new Extent(p.digest(), 0, p.length()).encode());
        pos += p.length();
      }
    }
    return pos;
  }

  /**
   * The extents of the regular file at {@code path}, read through {@code fs}: a file system offers
   * its layout one file at a time, so this reads the file's first byte and has the layout note the
   * file's extents on the way. The caller holds {@code fs}'s write lock if the list must stay
   * current ({@link io.strata.store.fs.TreeFileSystem#exclusively}).
   */
  static ExtentList capture(FileSystemView fs, String path) throws IOException {
    ExtentList.Builder b = new ExtentList.Builder();
    CAPTURE.set(b);
    try {
      fs.read(path, 0, new byte[1], 0, 1);
    } finally {
      CAPTURE.remove();
    }
    return b.build();
  }

  /**
   * Stores an append ({@code len} bytes at {@code offset}, the file's old end) cut into
   * content-defined chunks as an import of the file would cut it, from {@code from}: the file's
   * start, the last cut in its tail, or the block the append starts in. Every chunk a boundary ends
   * is stored whole with one extent over it, and so is what follows the last boundary when the
   * write brings at least as many bytes as it re-stores of the tail; returns false, storing
   * nothing, when neither is so (a short append to a long tail), and the write takes the block
   * path, which stores only the blocks it touches. Either way the file's tail is noted for the next
   * append.
   *
   * <p>The chunks are the import's because cutting restarts at each boundary: a boundary depends
   * only on the bytes since the one before, so cutting from a boundary in the file's tail finds the
   * boundaries a cut of the whole file finds (where the tail's cut is not known, they come back in
   * step within a chunk or two, as content-defined boundaries do after any edit). So bytes written
   * through a mount deduplicate with the same bytes imported, put or copied in, and with each other
   * wherever they sit in a file.
   */
  private boolean appendByContent(FileData file, long from, long offset, byte[] b, int off, int len)
      throws IOException {
    FastCdc cdc = new FastCdc(file.chunkerParams());
    int max = cdc.maxSize();
    // Per write, as the block path's buffer: a field would hold a chunk's bytes for as long as the
    // file system is open, for each of the many a server may have open.
    byte[] window = new byte[(int) Math.min(max, offset + len - from)];
    long end = offset + len;
    List<ExtentList.Placed> added = new ArrayList<>();
    long pos = from;
    int filled = 0; // bytes of [pos, end) in the window
    while (pos < end) {
      filled = (int) Math.min(max, end - pos);
      fill(file, window, pos, filled, offset, b, off);
      int n = cdc.cut(window, 0, filled);
      if (n == filled && filled < max) {
        break; // no boundary yet: one may still come where more bytes follow
      }
      added.add(new ExtentList.Placed(pos, new Extent(file.putChunk(window, 0, n), 0, n)));
      pos += n;
      filled = 0;
    }
    if (pos < end && added.isEmpty() && len < offset - from) {
      tails.cut(file.ino(), from, end, true);
      return false;
    }
    if (pos < end) {
      added.add(
          new ExtentList.Placed(pos, new Extent(file.putChunk(window, 0, filled), 0, filled)));
    }
    punch(file, from, end);
    for (ExtentList.Placed e : added) {
      file.putItem(e.position(), e.extent().encode());
    }
    tails.cut(file.ino(), pos, end, false);
    return true;
  }

  @Override
  public boolean hasUnfinishedAppends() {
    return tails.hasPieced();
  }

  /**
   * Stores the tails short appends left in blocks, of files no append reached since the previous
   * call, as one chunk each: the last chunk an import of the file cuts, which no boundary closes (a
   * file appended to in pieces that each settled alone: a shell's {@code >>} in a loop, an fsync
   * between appends). A file still being appended to is left for a later call, so a log appended to
   * with an fsync each time does not store its tail again at every one.
   */
  @Override
  public boolean finishIdleAppends(java.util.function.LongFunction<FileData> files)
      throws IOException {
    boolean changed = false;
    for (AppendTails.Unfinished t : tails.idleTails()) {
      FileData file = files.apply(t.ino());
      long n = t.end() - t.cut();
      // the hint still holds only where the file still ends where its tail did
      if (file == null || file.size() != t.end() || n <= 0 || n > file.chunkerParams().max()) {
        continue;
      }
      byte[] buf = new byte[(int) n];
      read(file, t.cut(), buf, 0, buf.length);
      Extent whole = new Extent(file.putChunk(buf, 0, buf.length), 0, buf.length);
      punch(file, t.cut(), t.end());
      file.putItem(t.cut(), whole.encode());
      changed = true;
    }
    return changed;
  }

  /**
   * Fills {@code window} with the file's bytes {@code [pos, pos + n)}: those before {@code offset}
   * read back from the file, those from it on taken from the write's {@code b}.
   */
  private void fill(FileData file, byte[] window, long pos, int n, long offset, byte[] b, int off)
      throws IOException {
    int old = (int) Math.max(0, Math.min(n, offset - pos));
    if (old > 0) {
      read(file, pos, window, 0, old);
    }
    if (old < n) {
      System.arraycopy(b, off + (int) (pos + old - offset), window, old, n - old);
    }
  }

  /** Drops every extent part inside {@code [start, end)}, keeping the parts around it. */
  private static void punch(FileData file, long start, long end) {
    for (FileData.Item it : file.items(floor(start), end)) {
      long es = it.key();
      Extent e = Extent.decode(it.value(), file.ino(), es);
      long ee = es + e.length();
      if (ee <= start) {
        continue;
      }
      file.deleteItem(es);
      if (es < start) {
        file.putItem(es, e.slice(0, start - es).encode());
      }
      if (ee > end) {
        file.putItem(end, e.slice(end - es, ee - end).encode());
      }
    }
  }

  /** The chunk extent {@code e} is a part of, lent until the caller closes it. */
  private static LastChunk chunk(FileData file, Extent e) throws IOException {
    LastChunk c = LastChunk.of(e.chunk(), buffer -> file.readChunk(e.chunk(), buffer));
    if (e.offset() + e.length() > c.length()) {
      c.close();
      String where = "inode " + file.ino();
      throw new CorruptDataException(
          where
              + ": extent "
              + e.offset()
              + "+"
              + e.length()
              + " reaches past the end of chunk "
              + e.chunk()
              + " ("
              + c.length()
              + " bytes)",
          where);
    }
    return c;
  }

  /** The lowest key an extent covering {@code offset} can have. */
  private static long floor(long offset) {
    return Math.max(0, offset - MAX_EXTENT + 1);
  }

  static long alignDown(long v) {
    return alignDown(v, BLOCK);
  }

  static long alignUp(long v) {
    return alignDown(v + BLOCK - 1, BLOCK);
  }

  private static long alignDown(long v, int unit) {
    return v - Math.floorMod(v, unit);
  }
}
