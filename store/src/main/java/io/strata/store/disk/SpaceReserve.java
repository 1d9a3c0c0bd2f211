package io.strata.store.disk;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Set;

/**
 * Space kept back on the store's disk so that the store can always leave a full disk: a file of
 * zeros (really written, so the blocks are allocated, not a sparse hole) that GC deletes when the
 * disk is full, giving it room for the index checkpoint it must write before it may unlink the
 * packs that hold nothing live. Once GC has freed space the reserve is written again.
 *
 * <p>Its size follows the index: a checkpoint takes {@code 44} bytes a chunk, and the reserve holds
 * two of them plus a floor, so the checkpoint fits even as the store has grown since the last one.
 */
public final class SpaceReserve {
  private static final System.Logger LOG = System.getLogger(SpaceReserve.class.getName());
  private static final int ZEROS = 1 << 20;

  /** The smallest reserve: room for the root log and config writes GC may also need. */
  public static final long FLOOR = 2L << 20;

  private final Path file;

  public SpaceReserve(Path file) {
    this.file = file;
  }

  /** The reserve for a store whose index checkpoint takes {@code indexBytes}. */
  public static long sizeFor(long indexBytes) {
    return FLOOR + 2 * indexBytes;
  }

  /** Bytes the reserve holds now. */
  public long size() throws IOException {
    return Files.exists(file) ? Files.size(file) : 0;
  }

  /**
   * Grows the reserve to {@code bytes} if it is smaller. On a full disk it keeps what it could
   * write and says so: the store still works, and GC has at least that much.
   */
  public void ensure(long bytes) throws IOException {
    long have = size();
    if (have >= bytes) {
      return;
    }
    try (FileChannel ch =
        FileChannel.open(
            file,
            Set.of(StandardOpenOption.CREATE, StandardOpenOption.WRITE),
            AtomicFiles.privateFile(file))) {
      ByteBuffer zeros = ByteBuffer.allocate(ZEROS);
      long at = ch.size();
      while (at < bytes) {
        zeros.clear().limit((int) Math.min(ZEROS, bytes - at));
        while (zeros.hasRemaining()) {
          at += ch.write(zeros, at);
        }
      }
      ch.force(true);
    } catch (IOException e) {
      if (!DiskFull.causedBy(e)) {
        throw e;
      }
      LOG.log(
          System.Logger.Level.WARNING,
          "{0}: the disk is full; the space reserve holds {1} of {2} bytes",
          file,
          size(),
          bytes);
      return;
    }
    AtomicFiles.syncDirectory(file.getParent());
  }

  /** Deletes the reserve, giving its space back to the file system; returns the bytes freed. */
  public long release() throws IOException {
    long had = size();
    if (Files.deleteIfExists(file)) {
      AtomicFiles.syncDirectory(file.getParent());
    }
    return had;
  }
}
