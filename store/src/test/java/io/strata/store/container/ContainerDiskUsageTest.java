package io.strata.store.container;

import static org.assertj.core.api.Assertions.assertThat;

import io.strata.store.fs.FileSystemView;
import io.strata.store.image.ImageDiskUsage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.roaringbitmap.RoaringBitmap;

/**
 * The containers row of {@code system df}: RECLAIMABLE is what removing the containers and a gc
 * free, chunk for chunk (docs/ADVERSARIAL.md, W5).
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ContainerDiskUsageTest {
  @TempDir Path dir;
  ContainerFixture fix;
  ContainerStore containers;

  @BeforeEach
  void open() throws IOException {
    fix = new ContainerFixture(dir.resolve("data"), List.of());
    containers = fix.containers();
    Path base = Files.createDirectories(dir.resolve("base/etc"));
    Files.writeString(base.resolve("hostname"), "base\n");
    fix.images().importPath(dir.resolve("base").toString(), "base:1");
  }

  @AfterEach
  void close() throws IOException {
    fix.close();
  }

  private static byte[] random(int n, long seed) {
    byte[] b = new byte[n];
    new Random(seed).nextBytes(b);
    return b;
  }

  private static void put(FileSystemView fs, String path, byte[] b) throws IOException {
    fs.write(path, 0, b, 0, b.length);
  }

  @Test
  void aContainerWhoseChangesACommitSharesReclaimsNothing() throws IOException {
    containers.create("base:1", "cc", List.of());
    put(containers.view("cc"), "/data.bin", random(1 << 20, 1));
    assertThat(containers.diskUsage(fix.chunks()).reclaimable()).isPositive();

    containers.commit("cc", "kept:1");
    fix.chunks().gc(); // what was garbage already: not the removal's to free
    ContainerDiskUsage df = containers.diskUsage(fix.chunks());

    assertThat(df.size())
        .as("ps SIZE still counts the writable layer")
        .isGreaterThanOrEqualTo(1 << 20);
    // the commit keeps every chunk of the file; only the writable layer's own directory nodes go
    assertThat(df.reclaimable()).isLessThan(16 << 10);
    RoaringBitmap held = fix.chunks().referencedExcept(null);
    long before = fix.chunks().storedBytes(held);
    containers.remove("cc", false);
    fix.chunks().gc();
    assertThat(before - fix.chunks().storedBytes(held)).isEqualTo(df.reclaimable());
  }

  @Test
  void twoContainersSharingChunksOnlyWithEachOtherReclaimThemTogether() throws IOException {
    byte[] same = random(1 << 20, 2);
    containers.create("base:1", "one", List.of());
    containers.create("base:1", "two", List.of());
    put(containers.view("one"), "/same.bin", same);
    put(containers.view("two"), "/same.bin", same);
    fix.chunks().gc(); // what was garbage already: not the removal's to free
    ContainerDiskUsage df = containers.diskUsage(fix.chunks());
    assertThat(df.reclaimable()).isGreaterThanOrEqualTo(1 << 20);

    RoaringBitmap held = fix.chunks().referencedExcept(null);
    long before = fix.chunks().storedBytes(held);
    containers.remove("one", false);
    containers.remove("two", false);
    fix.chunks().gc();

    assertThat(before - fix.chunks().storedBytes(held)).isEqualTo(df.reclaimable());
  }

  @Test
  void anUnusedImageReclaimsNoChunkAContainerAlsoHolds() throws IOException {
    byte[] same = random(1 << 20, 3);
    Path other = Files.createDirectories(dir.resolve("other"));
    Files.write(other.resolve("same.bin"), same);
    fix.images().importPath(other.toString(), "other:1");
    containers.create("base:1", "cc", List.of());
    put(containers.view("cc"), "/same.bin", same);
    fix.chunks().gc(); // what was garbage already: not the prune's to free

    ImageDiskUsage df = fix.images().diskUsage(containers::usesImage);

    assertThat(df.size()).isGreaterThanOrEqualTo(1 << 20);
    assertThat(df.reclaimable()).as("the container keeps the file's chunks").isLessThan(64 << 10);
    RoaringBitmap held = fix.chunks().referencedExcept(null);
    long before = fix.chunks().storedBytes(held);
    fix.images().remove("other:1", containers::usesImage);
    fix.chunks().gc();
    assertThat(before - fix.chunks().storedBytes(held)).isEqualTo(df.reclaimable());
  }
}
