package io.strata.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.strata.store.Engine;
import io.strata.store.driver.StorageDriver;
import io.strata.store.engine.ChunkStore;
import io.strata.store.image.layer.LayerStore;
import java.io.ByteArrayInputStream;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code strata info}'s logical bytes count what users wrote into writable snapshots (a
 * container's), not a layer the image store is building: that snapshot is an import's, not the info
 * request's to sync, and one a failed build on a full disk left until the next gc made every {@code
 * strata info} fail with the disk full, also once it had room.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class LayerBuildsInInfoTest {
  @TempDir Path dir;

  @Test
  void aLayerBeingBuiltIsNotCountedAsWrittenByUsers() throws Exception {
    try (Engine engine = Engine.open(dir.resolve("data"), "btrfs", ChunkStore.Options.defaults())) {
      StorageDriver driver = engine.storage();
      write(driver, LayerStore.TMP + "import", 1, 1 << 20);
      write(driver, "container", 2, 100_000);

      assertThat(engine.info().logicalBytes())
          .as("the container's 100,000 bytes in 4 KiB blocks, not the layer being built")
          .isBetween(100_000L, 110_000L);
    }
  }

  private static void write(StorageDriver driver, String key, long seed, int bytes)
      throws Exception {
    driver.prepare(key, null, Map.of());
    driver
        .fs(key)
        .writeFile("/f", new ByteArrayInputStream(TestData.random(seed, bytes)), 0644, 0, 0, 0);
  }
}
