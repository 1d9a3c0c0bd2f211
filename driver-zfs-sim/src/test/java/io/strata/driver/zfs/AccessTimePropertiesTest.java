package io.strata.driver.zfs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.strata.store.digest.Digest;
import io.strata.store.driver.DriverContext;
import io.strata.store.engine.ChunkStore;
import io.strata.store.error.InvalidArgumentException;
import io.strata.store.fs.AccessTimes;
import io.strata.store.fs.FileStat;
import io.strata.store.fs.FileSystemView;
import io.strata.store.image.layer.LayerStore;
import io.strata.store.tree.NodeCache;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code atime} and {@code relatime}: properties as {@code zfs get/set} shows them, and what reads
 * through a dataset's files do with them (issue #14 item 8).
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class AccessTimePropertiesTest {
  private static final long SECOND = 1_000_000_000L;

  @TempDir Path dir;
  private final AtomicLong clock = new AtomicLong(1_700_000_000_000_000_000L);
  private ChunkStore chunks;
  private ZfsDriver driver;

  @BeforeEach
  void open() throws IOException {
    chunks = ChunkStore.open(dir.resolve("chunks"), ChunkStore.Options.defaults());
    driver = openDriver();
  }

  /** A clock that moves only when the test moves it, so that times are exact. */
  private ZfsDriver openDriver() throws IOException {
    return (ZfsDriver)
        new ZfsDriverProvider()
            .open(
                new DriverContext(chunks, dir.resolve("zfs"), new NodeCache(8 << 20), clock::get));
  }

  private void reopen() throws IOException {
    driver.close();
    chunks.close();
    chunks = ChunkStore.open(dir.resolve("chunks"), ChunkStore.Options.defaults());
    driver = openDriver();
  }

  @AfterEach
  void close() throws IOException {
    driver.close();
    chunks.close();
  }

  private static void cat(FileSystemView fs, String path) throws IOException {
    try (InputStream in = fs.open(path)) {
      in.readAllBytes();
    }
  }

  private void tick() {
    clock.addAndGet(SECOND);
  }

  /** A container {@code c} over layer {@code l}, whose {@code /f} was written at the start. */
  private FileSystemView container() throws IOException {
    driver.prepare("l-active", null, Map.of());
    driver.fs("l-active").write("/f", 0, new byte[] {1, 2, 3}, 0, 3);
    driver.commit("l", "l-active");
    driver.prepare("c", "l", Map.of());
    return driver.fs("c");
  }

  private Digest tree(String key) throws IOException {
    driver.fs(key).sync();
    return driver.set().get(key).treeRoot();
  }

  @Test
  void atimeAndRelatimeAreOnByDefaultAndInheritedFromThePool() throws IOException {
    driver.prepare("c", null, Map.of());
    String ds = driver.dataset("c");
    assertThat(driver.get(ds, "atime")).isEqualTo(new PropertyValue(ds, "atime", "on", "default"));
    assertThat(driver.get(ds, "relatime"))
        .isEqualTo(new PropertyValue(ds, "relatime", "on", "default"));
    driver.set("strata", "atime", "OFF");
    assertThat(driver.get(ds, "atime"))
        .isEqualTo(new PropertyValue(ds, "atime", "off", "inherited from strata"));
    driver.set(ds, "relatime", "off");
    reopen();
    assertThat(driver.list(ds))
        .contains(
            new PropertyValue(ds, "atime", "off", "inherited from strata"),
            new PropertyValue(ds, "relatime", "off", "local"));
    driver.inherit(ds, "relatime");
    assertThat(driver.get(ds, "relatime"))
        .isEqualTo(new PropertyValue(ds, "relatime", "on", "default"));
    assertThatThrownBy(() -> driver.set(ds, "atime", "sometimes"))
        .isInstanceOf(InvalidArgumentException.class)
        .hasMessage("property atime: sometimes is not on or off");
    assertThat(driver.get(ds, "atime").value()).isEqualTo("off");
  }

  @Test
  void relatimeUpdatesOnceWithoutCtimeAndIsWrittenWithTheNextChange() throws IOException {
    FileSystemView fs = container();
    FileStat before = fs.stat("/f");
    Digest root = tree("c");
    tick();
    cat(fs, "/f");
    FileStat read = fs.stat("/f");
    assertThat(read.atimeNanos()).isEqualTo(clock.get());
    assertThat(read.ctimeNanos()).isEqualTo(before.ctimeNanos());
    assertThat(read.mtimeNanos()).isEqualTo(before.mtimeNanos());
    assertThat(driver.set().get("c").treeRoot()).as("a read writes nothing").isEqualTo(root);
    tick();
    cat(fs, "/f");
    assertThat(fs.stat("/f").atimeNanos())
        .as("relatime: atime is recent")
        .isEqualTo(read.atimeNanos());
    tick();
    clock.addAndGet(AccessTimes.DAY_NANOS);
    cat(fs, "/f");
    long dayLater = clock.get();
    assertThat(fs.stat("/f").atimeNanos()).isEqualTo(dayLater);

    reopen(); // no change since: closing the driver writes them, as ZFS's last txg
    assertThat(driver.fs("c").stat("/f").atimeNanos()).isEqualTo(dayLater);
    driver.fs("c").mkdir("/d", 0755);
    assertThat(driver.diff("c", "l"))
        .as("docker diff: a read is no change")
        .extracting(ch -> ch.path())
        .containsExactly("/d");
  }

  @Test
  void relatimeOffUpdatesEveryReadAndAtimeOffNeverWrites() throws IOException {
    FileSystemView fs = container();
    String ds = driver.dataset("c");
    driver.set(ds, "relatime", "off");
    for (int i = 0; i < 3; i++) {
      tick();
      cat(fs, "/f");
      assertThat(fs.stat("/f").atimeNanos()).isEqualTo(clock.get());
    }
    long last = clock.get();
    driver.set(ds, "atime", "off");
    Digest root = tree("c");
    assertThat(fs.stat("/f").atimeNanos()).as("read before: still written").isEqualTo(last);
    tick();
    cat(fs, "/f");
    fs.list("/");
    assertThat(fs.stat("/f").atimeNanos()).isEqualTo(last);
    assertThat(tree("c")).as("atime=off writes nothing").isEqualTo(root);
    reopen();
    assertThat(driver.fs("c").stat("/f").atimeNanos()).isEqualTo(last);
  }

  @Test
  void readOnlyViewsSnapshotsAndDatasetsAndLayerBuildsNeverUpdate() throws IOException {
    container();
    driver.view("v", "l", Map.of());
    driver.prepare(LayerStore.TMP + "x", "l", Map.of());
    driver.prepare("ro", "l", Map.of());
    FileSystemView ro = driver.fs("ro");
    tick();
    cat(ro, "/f"); // before readonly=on: in memory, then refused with the dataset
    driver.set(driver.dataset("ro"), "readonly", "on");
    ro.sync();
    for (String key : List.of("l", "v", LayerStore.TMP + "x", "ro")) {
      FileSystemView fs = driver.fs(key);
      long atime = fs.stat("/f").atimeNanos();
      Digest root = tree(key);
      tick();
      cat(fs, "/f");
      assertThat(fs.stat("/f").atimeNanos()).as(key).isEqualTo(atime);
      assertThat(tree(key)).as(key).isEqualTo(root);
    }
  }
}
