package io.strata.store.pack;

import io.strata.store.chunk.ChunkerParams;
import io.strata.store.error.CorruptDataException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads a pack front to back in large sequential reads, checking every record's CRC. Used to
 * rebuild the index, to recover the tail of a pack after a crash, by GC to copy live records and by
 * fsck.
 *
 * <p>A damaged record is reported and skipped (the scanner finds the next record by its magic at
 * the following 8-byte boundaries). In an unsealed pack, the one that was open when the process
 * died, bad records with no intact record after them are the torn end of what was written, and the
 * scan ends at the first of them; a bad record with an intact one after it is damage, as in a
 * sealed pack: cutting there would drop every acknowledged record after it (docs/ADVERSARIAL.md,
 * P2).
 *
 * <p>In a sealed pack, a run of zeros where a record should start is a hole gc punched over dead
 * records on a full disk ({@code HolePunch}): skipped to the next record, counted in {@link
 * Result#holeBytes}, not damage (a record starts with its magic, never with zeros). In an unsealed
 * pack zeros stay a torn end or damage, as gc never punches the open pack.
 */
public final class PackScanner {
  /** Receives each intact record; {@code buf} holds it at {@code off} only during the call. */
  @FunctionalInterface
  public interface Visitor {
    void record(RecordHeader header, long offset, byte[] buf, int off) throws IOException;
  }

  /**
   * What a scan found.
   *
   * @param sealed whether the pack has a valid trailer
   * @param validEnd the end of the last intact record (of the trailer, when sealed)
   * @param damaged the offsets of records that failed their checks
   * @param headerOk whether the pack header is intact
   * @param torn in an unsealed pack, the offsets of the bad records with no intact record after
   *     them: its torn end, from {@code validEnd} on (recovery says what it cuts)
   * @param holeBytes in a sealed pack, the bytes of the holes gc punched over dead records
   */
  public record Result(
      boolean sealed,
      long validEnd,
      List<Long> damaged,
      boolean headerOk,
      List<Long> torn,
      long holeBytes) {}

  private static final int BUFFER = 4 << 20;

  private PackScanner() {}

  /** Scans pack {@code path} from {@code from} (at least the header size). */
  public static Result scan(Path path, long from, Visitor visitor) throws IOException {
    String name = path.getFileName().toString();
    try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
      long fileSize = ch.size();
      boolean headerOk = headerOk(ch);
      long trailerAt = trailerOffset(ch, fileSize);
      boolean sealed = trailerAt >= 0;
      long end = sealed ? trailerAt : fileSize;
      List<Long> damaged = new ArrayList<>();
      int maxRecord = PackFormat.recordLength(ChunkerParams.MAX_CHUNK);
      byte[] buf = new byte[Math.max(BUFFER, 2 * maxRecord)];
      long bufStart = from;
      int bufLen = 0;
      long pos = Math.max(from, PackFormat.HEADER_SIZE);
      bufStart = pos;
      // In an unsealed pack: where the bad records began, and which they are, until an intact
      // record after them shows they are damage rather than the torn end.
      long tornAt = -1;
      List<Long> tentative = new ArrayList<>();
      long holeBytes = 0;
      while (pos + PackFormat.RECORD_HEADER <= end) {
        int rel = (int) (pos - bufStart);
        if (rel + maxRecord > bufLen && bufStart + bufLen < end) {
          // Refill so that a whole record of the largest size fits from rel on.
          System.arraycopy(buf, rel, buf, 0, bufLen - rel);
          bufLen -= rel;
          bufStart = pos;
          rel = 0;
          bufLen +=
              fill(
                  ch,
                  bufStart + bufLen,
                  buf,
                  bufLen,
                  (int) Math.min(buf.length - bufLen, end - bufStart - bufLen));
        }
        int avail = bufLen - rel;
        if (sealed && Bytes.getLong(buf, rel) == 0) {
          long next = afterZeros(buf, rel, avail, pos, end);
          holeBytes += next - pos;
          pos = next;
          continue;
        }
        RecordHeader h;
        try {
          h = Records.header(buf, rel, avail, name + " offset " + pos);
          if (h == null || h.recordLength() > avail) {
            throw new CorruptDataException(name + " offset " + pos + ": record cut short", name);
          }
          Records.checkCrc(buf, rel, h, name + " offset " + pos);
        } catch (CorruptDataException e) {
          if (sealed) {
            damaged.add(pos);
          } else {
            if (tornAt < 0) {
              tornAt = pos;
            }
            tentative.add(pos);
          }
          pos = resync(buf, rel, avail, pos, end);
          continue;
        }
        if (tornAt >= 0) { // an intact record after bad ones: they were damage, not a torn end
          damaged.addAll(tentative);
          tentative.clear();
          tornAt = -1;
        }
        visitor.record(h, pos, buf, rel);
        pos += h.recordLength();
      }
      long validEnd =
          sealed ? trailerAt + PackFormat.TRAILER_SIZE : tornAt >= 0 ? tornAt : Math.min(pos, end);
      return new Result(sealed, validEnd, damaged, headerOk, List.copyOf(tentative), holeBytes);
    }
  }

  /**
   * The offset of the first 8-byte word after {@code pos} that is not zero, within the window; the
   * window's end if all of it is (the refill brings the next).
   */
  private static long afterZeros(byte[] buf, int rel, int avail, long pos, long end) {
    int i = 8;
    while (i + 8 <= avail && Bytes.getLong(buf, rel + i) == 0) {
      i += 8;
    }
    return Math.min(pos + i, end);
  }

  /** The offset of the next record magic after a damaged record, or {@code end}. */
  private static long resync(byte[] buf, int rel, int avail, long pos, long end) {
    for (int i = 8; i + 4 <= avail; i += 8) {
      if (Bytes.getInt(buf, rel + i) == PackFormat.RECORD_MAGIC) {
        return pos + i;
      }
    }
    // Nothing in the window: continue after it (the refill brings the next window).
    long next = pos + Math.max(8, (avail - 8) & ~7);
    return Math.min(next, end);
  }

  private static int fill(FileChannel ch, long at, byte[] buf, int off, int len)
      throws IOException {
    ByteBuffer bb = ByteBuffer.wrap(buf, off, len);
    while (bb.hasRemaining()) {
      if (ch.read(bb, at + bb.position() - off) < 0) {
        break;
      }
    }
    return bb.position() - off;
  }

  private static boolean headerOk(FileChannel ch) throws IOException {
    byte[] h = new byte[PackFormat.HEADER_SIZE];
    if (fill(ch, 0, h, 0, h.length) < h.length) {
      return false;
    }
    for (int i = 0; i < 8; i++) {
      if (h[i] != PackFormat.HEADER_MAGIC[i]) {
        return false;
      }
    }
    return Bytes.getInt(h, 28) == Bytes.crc32c(h, 0, 28);
  }

  /** Whether pack {@code path} ends with a valid trailer. */
  public static boolean isSealed(Path path) throws IOException {
    try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
      return trailerOffset(ch, ch.size()) >= 0;
    }
  }

  /** The trailer's offset if the pack ends with a valid one, else -1. */
  static long trailerOffset(FileChannel ch, long fileSize) throws IOException {
    if (fileSize < PackFormat.HEADER_SIZE + PackFormat.TRAILER_SIZE) {
      return -1;
    }
    long at = fileSize - PackFormat.TRAILER_SIZE;
    byte[] t = new byte[PackFormat.TRAILER_SIZE];
    if (fill(ch, at, t, 0, t.length) < t.length) {
      return -1;
    }
    boolean ok =
        Bytes.getInt(t, 0) == PackFormat.TRAILER_MAGIC
            && Bytes.getLong(t, 8) == at
            && Bytes.getInt(t, 16) == Bytes.crc32c(t, 0, 16);
    return ok ? at : -1;
  }
}
