package io.strata.server.registry;

import static org.assertj.core.api.Assertions.assertThat;

import io.strata.driver.btrfs.BtrfsDriverProvider;
import io.strata.store.blob.BlobService;
import io.strata.store.driver.StorageDriverProvider;
import io.strata.store.image.ImageFixture;
import io.strata.store.registry.RegistryStore;
import io.strata.store.registry.StagedBlobs;
import io.strata.store.testing.TestData;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A pull of a Strata image from the registry publishes it: its layers are exported uncompressed and
 * stored as registry blobs. Each such blob shares its files' chunks with the image's layer and adds
 * only the tar's headers, padding and end blocks (docs/ADVERSARIAL.md, AJ4: cut as one stream, the
 * Debian minbase layer's blob added 41 MiB to an 85 MiB store). The btrfs driver's: a zfs dataset
 * with {@code dedup=off}, zfs's default, salts its records so that they share with nothing, as in
 * ZFS.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class PublishedLayerSharingTest {
  private static final int FILES = 40;

  @TempDir Path dir;
  private ImageFixture fix;
  private RegistryStore registry;
  private RecipeJobs recipes;
  private ImageBridge bridge;

  void open(StorageDriverProvider driver) throws Exception {
    fix = new ImageFixture(dir.resolve("store"), driver);
    StagedBlobs staged = new StagedBlobs(dir.resolve("staged"));
    registry = new RegistryStore(fix.chunks(), new BlobService(fix.chunks()), staged);
    recipes = new RecipeJobs(registry, d -> {}, Duration.ofSeconds(1));
    bridge =
        new ImageBridge(
            registry,
            fix.images(),
            id -> false,
            dir.resolve("tmp"),
            recipes,
            Runnable::run,
            new Failures(dir.resolve("store")),
            new io.strata.store.engine.StopSignal());
  }

  @AfterEach
  void close() throws Exception {
    if (fix == null) {
      return;
    }
    bridge.close();
    recipes.close();
    fix.close();
  }

  @Test
  void aPublishedLayerOfBtrfsAddsItsTarHeadersAndNotItsFiles() throws Exception {
    publishAddsOnlyHeaders(new BtrfsDriverProvider());
  }

  private void publishAddsOnlyHeaders(StorageDriverProvider driver) throws Exception {
    open(driver);
    Path tar = dir.resolve("app.tar");
    long content = 0;
    try (OutputStream out = Files.newOutputStream(tar);
        TarArchiveOutputStream t = new TarArchiveOutputStream(out)) {
      t.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
      for (int i = 0; i < FILES; i++) {
        // sizes no multiple of 512, most larger than a chunk: a cut of the whole tar by content
        // meets the files' own cuts only by chance
        byte[] data =
            i % 4 == 0
                ? TestData.text(500 + i, 3_000 + 41 * i)
                : TestData.random(500 + i, 50_000 + 23_456 * i);
        content += data.length;
        TarArchiveEntry e = new TarArchiveEntry("opt/app/lib" + (i % 5) + "/file-" + i);
        e.setSize(data.length);
        t.putArchiveEntry(e);
        t.write(data);
        t.closeArchiveEntry();
      }
    }
    fix.images().importPath(tar.toString(), "shared/app:1");
    long before = fix.chunks().stats().uniqueBytes();

    bridge.publish("shared/app", "1");

    long added = fix.chunks().stats().uniqueBytes() - before;
    // headers (a PAX one at most, then ustar) and padding per file and directory, the end blocks,
    // the manifest and the config; the files' 15 MB of content none of it
    assertThat(content).isGreaterThan(15_000_000L);
    assertThat(added).as("distinct bytes the publish added").isLessThan(100_000L);
  }
}
