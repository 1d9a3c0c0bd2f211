package io.strata.store.fs;

import io.strata.store.digest.Digest;
import io.strata.store.disk.AtomicFiles;
import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
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
 * out; a commit of the tree makes them all durable another way and {@link #restart}s the log on the
 * new root. The log names the root it starts from: replay happens only on that very root, so a log
 * whose changes a later commit holds (a crash between the commit and the log's restart) is never
 * applied twice, and one written before a rollback is never applied at all.
 *
 * <pre>
 * file   := "STRINTL1" u32 version u32 keyLength key-utf8 digest(32) base-root u32 crc32c(header)
 *           record*
 * record := u32 bodyLength body u32 crc32c(bodyLength body)
 * </pre>
 *
 * A record is acknowledged once {@link #force} returned; the log ends at the first record that is
 * cut off or fails its check (an append the crash interrupted, never acknowledged).
 */
public final class IntentLog implements Closeable {
  private static final System.Logger LOG = System.getLogger(IntentLog.class.getName());
  private static final byte[] MAGIC = {'S', 'T', 'R', 'I', 'N', 'T', 'L', '1'};
  private static final int VERSION = 1;

  /**
   * The most bytes of records held in memory for the next fsync. Past it they are dropped and the
   * next fsync commits the tree instead: a writer of bulk data gains nothing from writing it twice
   * (here and to the packs), and a mount holds no more than this beside its tree, and nothing once
   * the records are written or committed (a thousand idle mounts hold no heap for their logs).
   */
  public static final int MAX_HELD = 1 << 20;

  /** The longest file the log grows to before an fsync commits the tree instead. */
  public static final long MAX_FILE = 64L << 20;

  private final Path file;
  private final String key;
  private FileChannel channel;
  private Digest base;
  private boolean headerWritten;
  private ByteArrayOutputStream held = new ByteArrayOutputStream();
  private boolean overflowed;

  /**
   * @param file where the log lives (created on the first {@link #force} that has records)
   * @param key the snapshot it belongs to, recorded in the header for whoever reads it by hand
   */
  public IntentLog(Path file, String key) {
    this.file = file;
    this.key = key;
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
    headerWritten = false;
    held = new ByteArrayOutputStream(); // its grown buffer goes too
    overflowed = false;
  }

  /** Holds one change's record for the next {@link #force}. */
  public void hold(byte[] body) {
    if (overflowed) {
      return;
    }
    if (held.size() + body.length + 8 > MAX_HELD) {
      overflowed = true;
      held = new ByteArrayOutputStream();
      return;
    }
    ByteBuffer head = ByteBuffer.allocate(4).putInt(0, body.length);
    CRC32C crc = new CRC32C();
    crc.update(head.array());
    crc.update(body);
    held.writeBytes(head.array());
    held.writeBytes(body);
    held.writeBytes(ByteBuffer.allocate(4).putInt(0, (int) crc.getValue()).array());
  }

  /**
   * Holds nothing more until the next {@link #restart}: a change the log cannot express (a whole
   * file from a stream) was made, so only a commit of the tree makes the changes durable.
   */
  public void giveUp() {
    overflowed = true;
    held = new ByteArrayOutputStream();
  }

  /**
   * Whether {@link #force} can make every change since the last restart durable: none was given up
   * on and the file has room. Otherwise the caller commits the tree.
   */
  public boolean canForce() throws IOException {
    return !overflowed
        && base != null
        && (!headerWritten || channel.size() + held.size() <= MAX_FILE);
  }

  /** Whether records are held that {@link #force} has not written. */
  public boolean holdsRecords() {
    return held.size() > 0;
  }

  /** Writes the held records after those already written and forces the file. */
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
              java.util.Set.of(
                  StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE),
              AtomicFiles.privateFile(file));
    }
    if (!headerWritten) {
      channel.truncate(0);
      writeFully(ByteBuffer.wrap(header(key, base)), 0);
      headerWritten = true;
    }
    long end = channel.size();
    byte[] records = held.toByteArray();
    try {
      writeFully(ByteBuffer.wrap(records), end);
      channel.force(false);
    } catch (IOException | RuntimeException e) {
      // Nothing of it is acknowledged: cut it off, so the next force does not write after a torn
      // copy of it. If even that fails the file keeps a record the check may find torn: replay
      // stops there, at a change nobody was told was durable.
      try {
        channel.truncate(end);
      } catch (IOException cut) {
        e.addSuppressed(cut);
      }
      throw e;
    }
    held = new ByteArrayOutputStream();
  }

  private void writeFully(ByteBuffer b, long at) throws IOException {
    long pos = at;
    while (b.hasRemaining()) {
      pos += channel.write(b, pos);
    }
  }

  private static byte[] header(String key, Digest base) {
    byte[] k = key.getBytes(StandardCharsets.UTF_8);
    ByteBuffer b = ByteBuffer.allocate(MAGIC.length + 4 + 4 + k.length + 32 + 4);
    b.put(MAGIC).putInt(VERSION).putInt(k.length).put(k).put(base.bytes());
    CRC32C crc = new CRC32C();
    crc.update(b.array(), 0, b.position());
    b.putInt((int) crc.getValue());
    return b.array();
  }

  /**
   * The records a crash left for {@code root}, the tree's committed root: none when there is no
   * log, or when it starts from another root (its changes were committed, or rolled back, since).
   */
  public static List<byte[]> pending(Path file, Digest root) throws IOException {
    byte[] all;
    try {
      all = Files.readAllBytes(file);
    } catch (NoSuchFileException e) {
      return List.of();
    }
    ByteBuffer b = ByteBuffer.wrap(all);
    if (all.length < MAGIC.length + 12) {
      return List.of(); // a header cut off: no record after it was ever forced
    }
    byte[] magic = new byte[MAGIC.length];
    b.get(magic);
    if (!java.util.Arrays.equals(magic, MAGIC)) {
      throw new IOException("intent log " + file + ": not an intent log");
    }
    int version = b.getInt();
    int keyLength = b.getInt();
    if (version != VERSION) {
      throw new IOException("intent log " + file + ": version " + version + " is not known");
    }
    if (keyLength < 0 || b.remaining() < keyLength + 32 + 4) {
      return List.of();
    }
    b.position(b.position() + keyLength);
    byte[] digest = new byte[32];
    b.get(digest);
    CRC32C crc = new CRC32C();
    crc.update(all, 0, b.position());
    if ((int) crc.getValue() != b.getInt()) {
      return List.of(); // a header torn by a crash before any record was forced
    }
    if (!Digest.of(digest).equals(root)) {
      return List.of();
    }
    List<byte[]> out = new ArrayList<>();
    int good = b.position();
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
      good = b.position();
    }
    if (good < all.length) {
      LOG.log(
          System.Logger.Level.INFO,
          "intent log {0}: {1} bytes after the last whole record are an unfinished append",
          file,
          all.length - good);
    }
    return out;
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
    headerWritten = false;
  }
}
