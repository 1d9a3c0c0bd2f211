package io.strata.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.strata.store.error.ConflictException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** One process per data root, also when someone removes {@code LOCK} (docs/ADVERSARIAL.md, P6). */
@Timeout(value = 1, unit = TimeUnit.MINUTES)
class DataRootLockTest {
  @TempDir Path root;

  @Test
  void aSecondHolderIsRefusedNamingTheFile() throws Exception {
    DataRootLock first = DataRootLock.acquire(root);
    try {
      assertThatThrownBy(() -> DataRootLock.acquire(root))
          .isInstanceOf(ConflictException.class)
          .hasMessage(
              "data root "
                  + root
                  + " is in use by another stratad (pid "
                  + ProcessHandle.current().pid()
                  + ", "
                  + root.resolve("LOCK")
                  + " is locked)");
    } finally {
      first.close();
    }
    DataRootLock.acquire(root).close(); // released with its holder
  }

  /** A LOCK without a pid (a holder between truncating and writing it) is named without one. */
  @Test
  void aHolderWithoutAReadablePidIsRefusedSayingSo() throws Exception {
    Path lock = root.resolve("LOCK");
    DataRootLock first = DataRootLock.acquire(root);
    try {
      Files.writeString(lock, "not a pid\n"); // the same file, still locked
      assertThatThrownBy(() -> DataRootLock.acquire(root))
          .isInstanceOf(ConflictException.class)
          .hasMessage(
              "data root "
                  + root
                  + " is in use by another stratad ("
                  + lock
                  + " is locked; it"
                  + " holds no pid)");
    } finally {
      first.close();
    }
    Files.writeString(lock, "");
    assertThat(DataRootLock.holder(lock)).isEqualTo(lock + " is locked; it holds no pid");
    Files.delete(lock);
    assertThat(DataRootLock.holder(lock))
        .startsWith(lock + " is locked; its holder's pid could not be read: ");
  }

  @Test
  void aRemovedLockIsMadeAgainSoThatASecondHolderIsStillRefused() throws Exception {
    DataRootLock first = DataRootLock.acquire(root);
    try {
      Path lock = root.resolve("LOCK");
      Files.delete(lock);
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(4 * DataRootLock.WATCH_SECONDS);
      while (!Files.exists(lock) && System.nanoTime() < deadline) {
        Thread.sleep(100);
      }
      assertThat(lock).as("made again by its holder").exists();
      assertThat(Files.readString(lock).trim())
          .isEqualTo(Long.toString(ProcessHandle.current().pid()));
      assertThatThrownBy(() -> DataRootLock.acquire(root))
          .isInstanceOf(ConflictException.class)
          .hasMessageContaining("is in use by another stratad (pid ");
    } finally {
      first.close();
    }
  }

  /**
   * A data root removed under its holder fails every check the same way: said once, not every two
   * seconds (a CI log carried hundreds of these lines from stores tests had dropped).
   */
  @Test
  void aCheckThatKeepsFailingTheSameWayIsLoggedOnce() throws Exception {
    Path data = root.resolve("data");
    Files.createDirectories(data);
    List<String> warnings = new CopyOnWriteArrayList<>();
    Handler collect =
        new Handler() {
          @Override
          public void publish(LogRecord r) {
            if (r.getLevel() == Level.WARNING) {
              warnings.add(r.getMessage());
            }
          }

          @Override
          public void flush() {}

          @Override
          public void close() {}
        };
    Logger logger = Logger.getLogger(DataRootLock.class.getName());
    logger.addHandler(collect);
    DataRootLock lock = DataRootLock.acquire(data);
    try {
      Files.delete(data.resolve("LOCK"));
      Files.delete(data);
      Thread.sleep(TimeUnit.SECONDS.toMillis(4 * DataRootLock.WATCH_SECONDS));
      assertThat(warnings).as("warnings after three checks or more").hasSize(1);
      assertThat(warnings.get(0)).contains("could not be checked");
    } finally {
      lock.close();
      logger.removeHandler(collect);
    }
  }
}
