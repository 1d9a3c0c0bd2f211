package io.strata.store;

import io.strata.store.error.ConflictException;
import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * The {@code LOCK} file: one process per data root. An OS file lock, so it goes away with the
 * process however it dies (no stale locks to break by hand).
 */
final class DataRootLock implements Closeable {
  private final FileChannel channel;
  private final FileLock lock;

  private DataRootLock(FileChannel channel, FileLock lock) {
    this.channel = channel;
    this.lock = lock;
  }

  static DataRootLock acquire(Path dataRoot) throws IOException {
    Path file = dataRoot.resolve("LOCK");
    FileChannel ch =
        FileChannel.open(
            file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
    FileLock lock;
    try {
      lock = ch.tryLock();
    } catch (OverlappingFileLockException e) {
      lock = null;
    }
    if (lock == null) {
      ch.close();
      throw new ConflictException(
          "data root " + dataRoot + " is in use by another process (" + file + " is locked)");
    }
    ch.truncate(0);
    ch.write(
        ByteBuffer.wrap(
            (ProcessHandle.current().pid() + "\n").getBytes(StandardCharsets.US_ASCII)));
    return new DataRootLock(ch, lock);
  }

  @Override
  public void close() throws IOException {
    lock.release();
    channel.close();
  }
}
