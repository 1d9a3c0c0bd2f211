package io.strata.store.fs;

import io.strata.store.digest.Digest;
import io.strata.store.disk.AtomicFiles;
import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Set;
import java.util.zip.CRC32C;

/**
 * The intent log of one writable snapshot's file system, as ZFS keeps its ZIL: the changes made
 * since the tree's last commit, written and forced at an {@code fsync} instead of a commit of the
 * whole tree, and replayed onto the committed tree when the snapshot is next opened after a crash.
 * An fsync then costs one append and one {@code fdatasync} of this file, where a commit writes the
 * changed tree nodes to a pack, forces it, and appends to both copies of the root log and forces
 * them (docs/MOUNTS.md, "Durability").
 *
 * <p>Changes are held in memory as records ({@link IntentRecords}) until {@link #force} writes them
 * out as one batch; a commit of the tree makes them all durable another way and {@link #restart}s
 * the log on the new root. Every batch names the root the log starts from: replay happens only on
 * that very root, so a log whose changes a later commit holds (a crash between the commit and the
 * log's restart) is never applied twice, and one written before a rollback is never applied at all.
 *
 * <pre>
 * file  := batch*
 * batch := "STRINTL1" u32 version(=2) u64 sequence(1, 2, ...) digest(32) base-root
 *          u32 bodyLength u32 crc32c(body) u32 crc32c(the 60 bytes before)
 *          body, then nothing up to the next multiple of 4096, where the next batch starts
 * body  := (u32 length record)*
 * </pre>
 *
 * A batch is acknowledged once {@link #force} returned. Each one starts on a page of its own, so
 * that no write ever touches a page holding an acknowledged batch, and a batch is written only once
 * the one before it is durable: how {@link LoggedChanges} tells the unfinished last append of a
 * crash (left out) from damage to what was acknowledged (refused).
 */
public final class IntentLog implements Closeable {
  static final byte[] MAGIC = {'S', 'T', 'R', 'I', 'N', 'T', 'L', '1'};
  static final int VERSION = 2;
  static final int HEADER = 64;
  static final int PAGE = 4096;

  /**
   * The most bytes of records held in memory for the next fsync. Past it they are dropped and the
   * next fsync commits the tree instead: a writer of bulk data gains nothing from writing it twice
   * (here and to the packs), and a mount holds no more than this beside its tree, and nothing once
   * the records are written or committed (a thousand idle mounts hold no heap for their logs). It
   * also bounds a batch, and so what a replay reads at a time.
   */
  public static final int MAX_HELD = 1 << 20;

  /** The longest file the log grows to before an fsync commits the tree instead. */
  public static final long MAX_FILE = 64L << 20;

  private final Path file;
  private FileChannel channel;
  private Digest base;
  // where the next batch starts, and its number; 0: the file is rewritten from its start
  private long next;
  private long sequence;
  private HeldRecords held = new HeldRecords();
  private boolean overflowed;

  /**
   * @param file where the log lives (created on the first {@link #force} that has records)
   */
  public IntentLog(Path file) {
    this.file = file;
  }

  public Path file() {
    return file;
  }

  /**
   * Starts the log over on {@code root}, the tree's new committed root: what was held or written is
   * in the tree now (or was rolled back with it). The file is rewritten at the next {@link #force}
   * that has records.
   */
  public void restart(Digest root) {
    base = root;
    next = 0;
    sequence = 0;
    held = new HeldRecords(); // its grown buffer goes too
    overflowed = false;
  }

  /** Holds one change's record for the next {@link #force}. */
  public void hold(byte[] record) {
    if (overflowed) {
      return;
    }
    if (held.size() + record.length + 4 > MAX_HELD) {
      overflowed = true;
      held = new HeldRecords();
      return;
    }
    held.writeBytes(ByteBuffer.allocate(4).putInt(0, record.length).array());
    held.writeBytes(record);
  }

  /**
   * Holds nothing more until the next {@link #restart}: a change the log cannot express (a whole
   * file from a stream) was made, so only a commit of the tree makes the changes durable.
   */
  public void giveUp() {
    overflowed = true;
    held = new HeldRecords();
  }

  /**
   * Whether {@link #force} can make every change since the last restart durable: none was given up
   * on and the file has room. Otherwise the caller commits the tree.
   */
  public boolean canForce() {
    return !overflowed && base != null && next + HEADER + held.size() <= MAX_FILE;
  }

  /**
   * Whether the file holds batches acknowledged since the last {@link #restart}: changes an fsync
   * made durable here alone, which a rollback of the tree must not take (they are applied again
   * from the file, {@link LoggedChanges}).
   */
  public boolean acknowledged() {
    return sequence > 0;
  }

  /**
   * Drops the records held and not written, which a rollback of the tree took, keeping the
   * acknowledged batches and the root they start from; what is held next follows them.
   */
  public void dropHeld() {
    held = new HeldRecords();
    overflowed = false;
  }

  /** Whether records are held that {@link #force} has not written. */
  public boolean holdsRecords() {
    return held.size() > 0;
  }

  /** Writes the held records as the next batch and forces the file. */
  public void force() throws IOException {
    if (held.size() == 0) {
      return;
    }
    if (channel == null) {
      // owner-only, as every file of the data root: it holds the bytes containers wrote (AK1)
      AtomicFiles.createPrivateDirectories(file.getParent());
      channel =
          FileChannel.open(
              file,
              Set.of(StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE),
              AtomicFiles.privateFile(file));
    }
    if (next == 0) {
      channel.truncate(0);
    }
    ByteBuffer body = held.asBuffer();
    int length = body.remaining();
    // header and records in one gathering write, the records from where they are held
    ByteBuffer[] batch = {ByteBuffer.wrap(header(sequence + 1, base, body.duplicate())), body};
    long at = next;
    try {
      channel.position(at);
      while (batch[1].hasRemaining()) {
        channel.write(batch);
      }
      channel.force(false);
    } catch (IOException | RuntimeException e) {
      // Nothing of it is acknowledged: cut it off, so that the next batch does not follow a torn
      // copy of it. If even that fails, a reader finds it torn at the end of the file, or at worst
      // takes a later batch for proof of damage and refuses the snapshot: never a silent loss.
      try {
        channel.truncate(at);
      } catch (IOException cut) {
        e.addSuppressed(cut);
      }
      throw e;
    }
    sequence++;
    next = (at + HEADER + length + PAGE - 1) / PAGE * PAGE;
    held = new HeldRecords();
  }

  /** A batch's header: {@link #HEADER} bytes, the last four a CRC of the rest. */
  static byte[] header(long sequence, Digest base, ByteBuffer body) {
    int length = body.remaining();
    CRC32C bodyCrc = new CRC32C();
    bodyCrc.update(body);
    ByteBuffer b = ByteBuffer.allocate(HEADER);
    b.put(MAGIC).putInt(VERSION).putLong(sequence).put(base.bytes());
    b.putInt(length).putInt((int) bodyCrc.getValue());
    CRC32C crc = new CRC32C();
    crc.update(b.array(), 0, b.position());
    b.putInt((int) crc.getValue());
    return b.array();
  }

  /** Removes the log's file: its snapshot is gone, or the log was replayed and committed. */
  public void delete() throws IOException {
    close();
    Files.deleteIfExists(file);
  }

  @Override
  public void close() throws IOException {
    if (channel != null) {
      channel.close();
      channel = null;
    }
  }

  /** The records held for the next batch, written from their buffer without a copy. */
  private static final class HeldRecords extends ByteArrayOutputStream {
    ByteBuffer asBuffer() {
      return ByteBuffer.wrap(buf, 0, count);
    }
  }
}
