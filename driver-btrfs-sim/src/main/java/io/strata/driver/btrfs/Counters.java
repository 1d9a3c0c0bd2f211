package io.strata.driver.btrfs;

import io.strata.store.disk.AtomicFiles;
import io.strata.store.error.CorruptDataException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.zip.CRC32C;

/**
 * The driver's two counters: the next subvolume id and the transaction generation. Both only ever
 * grow, across restarts too.
 *
 * <p>Generations are Btrfs's transactions: changes join the running transaction, {@code generation
 * + 1}, and take its number; it commits, and the next one starts, when a snapshot is taken (Btrfs
 * commits to make one), at {@code btrfs filesystem sync} ({@link #commit}), or when it has held
 * changes for {@link #COMMIT_INTERVAL_NANOS} (Btrfs's default {@code commit=30}). A restart commits
 * it too: on open the counters resume at the highest generation a record holds.
 *
 * <p>Every id and generation handed out is written into the record of the snapshot it went to, in
 * the same commit, so on open the counters resume above the highest value the records hold. Only
 * removing a subvolume can take that value away; so before a removal the counters are written to a
 * small file ({@code DATA/btrfs/counters}), and on open they resume above that file's values too.
 * Writes to files, the common case, cost no extra I/O.
 *
 * <pre>
 * counters := u32 magic(=0x42545253 "BTRS") u8 version(=1) u64 highestId u64 highestGeneration
 *             u32 crc32c(the 21 bytes before)
 * </pre>
 */
final class Counters {
  private static final int MAGIC = 0x42545253;
  private static final byte VERSION = 1;
  private static final int LENGTH = 4 + 1 + 8 + 8 + 4;

  /** How long a transaction may hold changes before it commits: Btrfs's default, 30 s. */
  static final long COMMIT_INTERVAL_NANOS = 30_000_000_000L;

  private final Path file;
  private long highestId;
  private long generation;

  /** When the running transaction took its first change (clock nanos), or -1 if it has none. */
  private long dirtySince = -1;

  private Counters(Path file, long highestId, long generation) {
    this.file = file;
    this.highestId = highestId;
    this.generation = generation;
  }

  /** Reads the counters kept in {@code dir}; call {@link #observe} with every record's values. */
  static Counters open(Path dir) throws IOException {
    io.strata.store.disk.AtomicFiles.createPrivateDirectories(dir);
    Path file = dir.resolve("counters");
    byte[] b;
    try {
      b = Files.readAllBytes(file);
    } catch (NoSuchFileException e) {
      return new Counters(file, Subvolume.FIRST_ID - 1, 0);
    }
    ByteBuffer buf = ByteBuffer.wrap(b);
    CRC32C crc = new CRC32C();
    crc.update(b, 0, Math.max(0, b.length - 4));
    if (b.length != LENGTH
        || buf.getInt() != MAGIC
        || buf.get() != VERSION
        || buf.getInt(LENGTH - 4) != (int) crc.getValue()) {
      throw new CorruptDataException(
          "btrfs counters " + file + ": damaged (" + b.length + " bytes)", file.toString());
    }
    return new Counters(file, buf.getLong(), buf.getLong());
  }

  /** Resumes above the values of a subvolume record. */
  synchronized void observe(Subvolume s) {
    highestId = Math.max(highestId, s.id());
    generation = Math.max(generation, s.lastChange());
  }

  /** A new subvolume id. */
  synchronized long nextId() {
    return ++highestId;
  }

  /** The running transaction, which a change at {@code now} joins. */
  synchronized long join(long now) {
    tick(now);
    if (dirtySince < 0) {
      dirtySince = now;
    }
    return generation + 1;
  }

  /**
   * Commits the running transaction (empty or not) and returns its number: what taking a snapshot
   * does in Btrfs, and {@code btrfs filesystem sync} when there are changes.
   */
  synchronized long commit(long now) {
    tick(now);
    dirtySince = -1;
    return ++generation;
  }

  /** Commits the running transaction if it holds changes; returns the last committed one. */
  synchronized long sync(long now) {
    if (dirtySince >= 0) {
      commit(now);
    }
    return generation;
  }

  /** The last committed transaction at {@code now} (the commit interval may have run out). */
  synchronized long committed(long now) {
    tick(now);
    return generation;
  }

  private void tick(long now) {
    if (dirtySince >= 0 && now - dirtySince >= COMMIT_INTERVAL_NANOS) {
      generation++;
      dirtySince = -1;
    }
  }

  /** The last committed generation. */
  synchronized long generation() {
    return generation;
  }

  /**
   * Makes the current values durable: call before a record holding them may disappear. The running
   * transaction's number is kept if it has changes, so no record's number is handed out again.
   */
  synchronized void persist() throws IOException {
    ByteBuffer b = ByteBuffer.allocate(LENGTH);
    b.putInt(MAGIC)
        .put(VERSION)
        .putLong(highestId)
        .putLong(dirtySince >= 0 ? generation + 1 : generation);
    CRC32C crc = new CRC32C();
    crc.update(b.array(), 0, LENGTH - 4);
    b.putInt((int) crc.getValue()).flip();
    AtomicFiles.write(file, out -> out.write(b.array(), 0, b.limit()));
  }
}
