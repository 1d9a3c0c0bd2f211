package io.strata.store;

import io.strata.store.error.ConflictException;
import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The {@code LOCK} file: one process per data root. An OS file lock, so it goes away with the
 * process however it dies (no stale locks to break by hand).
 *
 * <p>The lock holds the file's inode, not its name: an operator who removes {@code LOCK} (taking it
 * for a stale lock) let a second server lock a new file and serve the same data root, and their
 * appends to the root log damaged it beyond repair (docs/ADVERSARIAL.md, P6). So the holder looks
 * every {@link #WATCH_SECONDS} seconds that the name still leads to its file, and makes and locks
 * it again when it does not; a process that locked the new file meanwhile makes this one stop at
 * once, before either writes over the other's records (what it acknowledged is durable).
 */
final class DataRootLock implements Closeable {
  private static final System.Logger LOG = System.getLogger(DataRootLock.class.getName());

  /** How often the holder checks its {@code LOCK} is still there. */
  static final long WATCH_SECONDS = 2;

  private final Path file;
  private final ScheduledExecutorService watch;
  private Held held;

  /**
   * The last check's failure, logged once: a data root removed under a server (or left behind by a
   * test that dropped its store) fails every check the same way, and a line every two seconds says
   * nothing new.
   */
  private String failing;

  /** An open, locked {@code LOCK} file and its identity. */
  private record Held(FileChannel channel, FileLock lock, Object key) {
    void release() throws IOException {
      try {
        lock.release();
      } finally {
        channel.close();
      }
    }
  }

  private DataRootLock(Path file, Held held) {
    this.file = file;
    this.held = held;
    this.watch =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "strata-lock-watch");
              t.setDaemon(true);
              return t;
            });
    watch.scheduleWithFixedDelay(this::check, WATCH_SECONDS, WATCH_SECONDS, TimeUnit.SECONDS);
  }

  static DataRootLock acquire(Path dataRoot) throws IOException {
    Path file = dataRoot.resolve("LOCK");
    Held held = lock(file);
    if (held == null) {
      throw new ConflictException(
          "data root " + dataRoot + " is in use by another stratad (" + holder(file) + ")");
    }
    return new DataRootLock(file, held);
  }

  /**
   * Who holds {@code file}, from the pid its holder wrote there, so that the operator knows which
   * process to look at; what to say when the pid cannot be read (the holder may be between
   * truncating and writing it, or the file may not be ours).
   */
  static String holder(Path file) {
    String text;
    try {
      text = Files.readString(file, StandardCharsets.US_ASCII).trim();
    } catch (IOException | RuntimeException e) {
      return file + " is locked; its holder's pid could not be read: " + e.getMessage();
    }
    if (!text.matches("[0-9]{1,19}")) {
      return file + " is locked; it holds no pid";
    }
    return "pid " + text + ", " + file + " is locked";
  }

  /**
   * {@code file} made if missing, locked and given this process's pid; null if another holds it.
   */
  private static Held lock(Path file) throws IOException {
    FileChannel ch =
        FileChannel.open(
            file,
            java.util.Set.of(
                StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE),
            io.strata.store.disk.AtomicFiles.privateFile(file));
    FileLock lock;
    try {
      lock = ch.tryLock();
    } catch (OverlappingFileLockException e) {
      lock = null;
    }
    if (lock == null) {
      ch.close();
      return null;
    }
    ch.truncate(0);
    ch.write(
        ByteBuffer.wrap(
            (ProcessHandle.current().pid() + "\n").getBytes(StandardCharsets.US_ASCII)));
    return new Held(ch, lock, key(file));
  }

  private static Object key(Path file) throws IOException {
    return Files.readAttributes(file, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS)
        .fileKey();
  }

  /** Makes and locks {@code LOCK} again if its name no longer leads to the file this holds. */
  private synchronized void check() {
    if (held == null) {
      return; // closed
    }
    try {
      try {
        if (held.key().equals(key(file))) {
          failing = null;
          return;
        }
      } catch (NoSuchFileException gone) {
        // made again below
      }
      Held again = lock(file);
      if (again == null) {
        LOG.log(
            System.Logger.Level.ERROR,
            "{0} was removed and another process has locked a new one: two servers on one data"
                + " root would damage its root log; this one stops now (what it acknowledged is"
                + " durable)",
            file);
        Runtime.getRuntime().halt(75);
      }
      LOG.log(
          System.Logger.Level.WARNING,
          "{0} was removed while this server holds the data root; made and locked again (do not"
              + " remove LOCK: the lock goes with the process that holds it)",
          file);
      Held old = held;
      held = again;
      failing = null;
      old.release();
    } catch (IOException | RuntimeException e) {
      if (!e.toString().equals(failing)) {
        failing = e.toString();
        LOG.log(
            System.Logger.Level.WARNING,
            "{0}: could not be checked (said once, until it changes): {1}",
            file,
            failing);
      }
    }
  }

  @Override
  public synchronized void close() throws IOException {
    watch.shutdownNow();
    Held h = held;
    held = null;
    if (h != null) {
      h.release();
    }
  }
}
