package io.strata.store.pack;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Seals a pack that stopped short of its normal seal: left open by a crash (found by recovery) or
 * given up on after a failed fsync (see {@link PackWriter#abandonAfterFailedSync}). Both cut the
 * file at the last byte they trust and write the same trailer {@link PackWriter} writes, with the
 * number of intact records counted again from the start.
 */
public final class CutShortPack {
  private CutShortPack() {}

  /**
   * Cuts pack {@code id} at {@code path} to {@code end} bytes, rewrites its header when {@code
   * headerOk} is false (its records reached the disk and its header did not: no fsync ordered them,
   * and the header says only what the file name already does), appends the trailer and forces the
   * file.
   */
  public static void seal(Path path, int id, long end, boolean headerOk) throws IOException {
    try (FileChannel ch = FileChannel.open(path, StandardOpenOption.WRITE)) {
      ch.truncate(end);
      if (!headerOk) {
        writeFully(ch, PackFormat.header(id, System.currentTimeMillis()), 0);
      }
    }
    int[] records = {0};
    PackScanner.scan(path, PackFormat.HEADER_SIZE, (h, offset, buf, off) -> records[0]++);
    try (FileChannel ch = FileChannel.open(path, StandardOpenOption.WRITE)) {
      writeFully(ch, PackFormat.trailer(records[0], end), end);
      ch.force(true);
    }
  }

  private static void writeFully(FileChannel ch, byte[] bytes, long at) throws IOException {
    ByteBuffer b = ByteBuffer.wrap(bytes);
    while (b.hasRemaining()) {
      ch.write(b, at + b.position());
    }
  }
}
