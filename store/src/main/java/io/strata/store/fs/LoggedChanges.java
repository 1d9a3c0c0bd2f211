package io.strata.store.fs;

import io.strata.store.digest.Digest;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.zip.CRC32C;

/**
 * What an {@link IntentLog} holds for a snapshot's committed root, checked: the records of the
 * batches an fsync acknowledged, in order, for {@link TreeFileSystem#replay}. Read a batch at a
 * time (at most {@link IntentLog#MAX_HELD} bytes in memory), once to check and once to replay.
 *
 * <p>A crash may leave the last batch unfinished: its force had not returned, and of the sectors it
 * wrote some reached the disk and some did not. A disk writes a sector whole, and one it never
 * wrote reads as zeros (the batch went past the file's old end), or the file ends before it. That
 * batch was never acknowledged and is left out. Anything else that fails its check is damage to
 * acknowledged changes (a failing disk, an edit by hand), and the log is refused, naming the batch,
 * rather than replayed without them or deleted:
 *
 * <ul>
 *   <li>a batch that fails its check with an intact batch of the same log after it: a batch is
 *       written only once the one before it is durable, so the one before was acknowledged;
 *   <li>a last batch that fails its check although none of its sectors reads as zeros and the file
 *       holds all of it: a changed byte, which no crash makes.
 * </ul>
 *
 * What is left undecided is a damaged last batch that holds a sector of zeros of its own (a write
 * of zeros): it is taken for the unfinished append, as a log without these rules takes every bad
 * batch.
 */
public final class LoggedChanges {
  private static final System.Logger LOG = System.getLogger(LoggedChanges.class.getName());
  private static final int SECTOR = 512;

  private final Path file;
  private final List<Batch> batches;
  private final int records;
  // the records of a version 1 log, read whole (development builds of 2026-12-07 wrote them)
  private final List<byte[]> version1;

  private LoggedChanges(Path file, List<Batch> batches, int records) {
    this(file, batches, records, null);
  }

  private LoggedChanges(Path file, List<Batch> batches, int records, List<byte[]> version1) {
    this.file = file;
    this.batches = batches;
    this.records = records;
    this.version1 = version1;
  }

  /** The number of changes to replay. */
  public int count() {
    return records;
  }

  public boolean isEmpty() {
    return records == 0;
  }

  /** Takes one replayed record. */
  public interface RecordSink {
    void accept(byte[] record) throws IOException;
  }

  /** Reads the records again, in order, each to {@code sink}. */
  public void forEach(RecordSink sink) throws IOException {
    if (version1 != null) {
      for (byte[] r : version1) {
        sink.accept(r);
      }
      return;
    }
    if (batches.isEmpty()) {
      return;
    }
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      for (Batch b : batches) {
        ByteBuffer body = read(ch, b.at + IntentLog.HEADER, b.bodyLength);
        if (crc(body) != b.bodyCrc) {
          throw new IOException("batch " + b.sequence + " changed while it was replayed");
        }
        while (body.hasRemaining()) {
          int length = body.remaining() >= 4 ? body.getInt() : -1;
          if (length < 0 || length > body.remaining()) {
            throw new IOException("batch " + b.sequence + " holds a record cut off");
          }
          byte[] record = new byte[length];
          body.get(record);
          sink.accept(record);
        }
      }
    }
  }

  /**
   * The acknowledged changes the log at {@code file} holds for {@code root}: none when there is no
   * log or nothing was acknowledged in it, or when it starts from another root (its changes were
   * committed, or rolled back, since). Throws, naming the batch, when what it holds was damaged.
   */
  public static LoggedChanges read(Path file, Digest root) throws IOException {
    FileChannel ch;
    try {
      ch = FileChannel.open(file, StandardOpenOption.READ);
    } catch (NoSuchFileException e) {
      return new LoggedChanges(file, List.of(), 0);
    }
    try (ch) {
      long size = ch.size();
      if (size >= 12) {
        ByteBuffer start = read(ch, 0, 12);
        if (Arrays.equals(start.array(), 0, 8, IntentLog.MAGIC, 0, 8) && start.getInt(8) == 1) {
          return version1(file, ch, size, root);
        }
      }
      List<Batch> whole = new ArrayList<>();
      int records = 0;
      long at = 0;
      while (at < size) {
        Batch b = Batch.at(ch, at, size);
        String why = b.why;
        if (b.state == State.WHOLE) {
          if (whole.isEmpty() && !b.root.equals(root)) {
            // a log of another root: its changes a commit made since, or a rollback dropped
            return new LoggedChanges(file, List.of(), 0);
          }
          if (b.sequence == whole.size() + 1 && b.root.equals(root)) {
            whole.add(b);
            records += b.records;
            at = (b.end() + IntentLog.PAGE - 1) / IntentLog.PAGE * IntentLog.PAGE;
            continue;
          }
          // the file's old content, when a restart's truncation did not reach the disk
          why = "batch " + b.sequence + " of an earlier log is there";
        } else if (b.state == State.DAMAGED) {
          throw damaged(whole.size() + 1, at, why);
        }
        // Torn, or not of this log: the last append, unless a batch of this log after it says
        // that this one was acknowledged.
        Batch later = nextOf(ch, at, size, root, whole.size() + 1);
        if (later != null) {
          throw damaged(
              whole.size() + 1,
              at,
              why
                  + ", and batch "
                  + later.sequence
                  + " at byte "
                  + later.at
                  + " after it is whole");
        }
        LOG.log(
            System.Logger.Level.INFO,
            "intent log {0}: the {1} bytes from byte {2} are an append no fsync acknowledged ({3})",
            file,
            size - at,
            at,
            why);
        break;
      }
      return new LoggedChanges(file, whole, records);
    }
  }

  /**
   * A log of version 1, as development builds of 2026-12-07 wrote it (never released), read by
   * their rules so that an upgrade loses nothing those builds acknowledged: one header for the file
   * ({@code "STRINTL1" u32 1 u32 keyLength key digest(32) base-root u32 crc32c}), then records
   * {@code u32 length body u32 crc32c(length body)}; a torn header or record ends it.
   */
  private static LoggedChanges version1(Path file, FileChannel ch, long size, Digest root)
      throws IOException {
    if (size > IntentLog.MAX_FILE + (64 << 10)) {
      throw new IOException("a version 1 log of " + size + " bytes, more than any held");
    }
    ByteBuffer b = read(ch, 0, (int) size);
    byte[] all = b.array();
    int keyLength = b.getInt(12);
    b.position(16);
    if (keyLength < 0 || b.remaining() < (long) keyLength + 32 + 4) {
      return new LoggedChanges(file, List.of(), 0); // a header cut off: nothing was forced after it
    }
    b.position(b.position() + keyLength);
    byte[] digest = new byte[32];
    b.get(digest);
    CRC32C crc = new CRC32C();
    crc.update(all, 0, b.position());
    if ((int) crc.getValue() != b.getInt() || !Digest.of(digest).equals(root)) {
      return new LoggedChanges(file, List.of(), 0); // torn at its creation, or another root's
    }
    List<byte[]> out = new ArrayList<>();
    while (b.remaining() >= 8) {
      int at = b.position();
      int length = b.getInt();
      if (length < 0 || b.remaining() < (long) length + 4) {
        break;
      }
      byte[] body = new byte[length];
      b.get(body);
      CRC32C c = new CRC32C();
      c.update(all, at, 4 + length);
      if ((int) c.getValue() != b.getInt()) {
        break;
      }
      out.add(body);
    }
    return new LoggedChanges(file, List.of(), out.size(), out);
  }

  private static IOException damaged(long sequence, long at, String why) {
    return new IOException("batch " + sequence + " at byte " + at + " is damaged (" + why + ")");
  }

  /** The first whole batch of {@code root}'s log numbered {@code from} or later after byte at. */
  private static Batch nextOf(FileChannel ch, long at, long size, Digest root, long from)
      throws IOException {
    for (long p = (at / IntentLog.PAGE + 1) * IntentLog.PAGE; p < size; p += IntentLog.PAGE) {
      Batch b = Batch.at(ch, p, size);
      if (b.state == State.WHOLE && b.root.equals(root) && b.sequence >= from) {
        return b;
      }
    }
    return null;
  }

  private enum State {
    /** Its header and body pass their checks. */
    WHOLE,
    /** What a crash during its force can leave: never acknowledged. */
    TORN,
    /** Failing its check in a way no crash makes. */
    DAMAGED
  }

  /** One batch of a log as found at a page boundary. */
  private record Batch(
      long at,
      State state,
      String why,
      long sequence,
      Digest root,
      int bodyLength,
      int bodyCrc,
      int records) {

    long end() {
      return at + IntentLog.HEADER + bodyLength;
    }

    static Batch torn(long at, String why) {
      return new Batch(at, State.TORN, why, 0, null, 0, 0, 0);
    }

    static Batch damaged(long at, String why) {
      return new Batch(at, State.DAMAGED, why, 0, null, 0, 0, 0);
    }

    static Batch at(FileChannel ch, long at, long size) throws IOException {
      if (size - at < IntentLog.HEADER) {
        return torn(at, "the file ends inside its header");
      }
      ByteBuffer h = read(ch, at, IntentLog.HEADER);
      CRC32C crc = new CRC32C();
      crc.update(h.array(), 0, IntentLog.HEADER - 4);
      boolean magic = Arrays.equals(h.array(), 0, IntentLog.MAGIC.length, IntentLog.MAGIC, 0, 8);
      if (!magic || (int) crc.getValue() != h.getInt(IntentLog.HEADER - 4)) {
        if (zeroSector(ch, at, Math.min(size, at + SECTOR))) {
          return torn(at, "its header was never written");
        }
        return damaged(at, magic ? "its header fails its check" : "no batch starts there");
      }
      int version = h.getInt(8);
      if (version != IntentLog.VERSION) {
        throw new IOException("version " + version + " is not known (a newer release's log?)");
      }
      long sequence = h.getLong(12);
      byte[] digest = new byte[32];
      h.get(20, digest);
      int bodyLength = h.getInt(52);
      int bodyCrc = h.getInt(56);
      if (bodyLength < 0 || bodyLength > IntentLog.MAX_HELD) {
        return damaged(at, "it says it holds " + bodyLength + " bytes");
      }
      long end = at + IntentLog.HEADER + bodyLength;
      if (end > size) {
        return torn(at, "the file ends inside it");
      }
      ByteBuffer body = read(ch, at + IntentLog.HEADER, bodyLength);
      if (crc(body) != bodyCrc) {
        if (zeroSector(ch, at, end)) {
          return torn(at, "some of it was never written");
        }
        return damaged(at, "it fails its check, every sector of it written");
      }
      int records = 0;
      for (int p = 0; p + 4 <= bodyLength; records++) {
        p += 4 + Math.max(0, body.getInt(p));
      }
      return new Batch(
          at, State.WHOLE, "", sequence, Digest.of(digest), bodyLength, bodyCrc, records);
    }
  }

  /**
   * Whether a 512-byte sector of the file within [from, to) reads as zeros there: one a crash left
   * unwritten (the part of it inside the range, the first and last sector cut by it).
   */
  private static boolean zeroSector(FileChannel ch, long from, long to) throws IOException {
    ByteBuffer b = read(ch, from, (int) (to - from));
    byte[] a = b.array();
    int i = 0;
    while (i < a.length) {
      int sectorEnd = (int) Math.min(a.length, ((from + i) / SECTOR + 1) * SECTOR - from);
      boolean zero = true;
      for (int j = i; j < sectorEnd && zero; j++) {
        zero = a[j] == 0;
      }
      if (zero) {
        return true;
      }
      i = sectorEnd;
    }
    return false;
  }

  private static int crc(ByteBuffer b) {
    CRC32C c = new CRC32C();
    c.update(b.duplicate());
    return (int) c.getValue();
  }

  private static ByteBuffer read(FileChannel ch, long at, int length) throws IOException {
    ByteBuffer b = ByteBuffer.allocate(length);
    long pos = at;
    while (b.hasRemaining()) {
      int n = ch.read(b, pos);
      if (n < 0) {
        throw new IOException("cut off at byte " + pos);
      }
      pos += n;
    }
    return b.flip();
  }
}
