package io.strata.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.strata.store.error.ConflictException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
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
          .hasMessageContaining("is in use by another process")
          .hasMessageContaining(root.resolve("LOCK").toString());
    } finally {
      first.close();
    }
    DataRootLock.acquire(root).close(); // released with its holder
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
          .hasMessageContaining("is in use by another process");
    } finally {
      first.close();
    }
  }
}
