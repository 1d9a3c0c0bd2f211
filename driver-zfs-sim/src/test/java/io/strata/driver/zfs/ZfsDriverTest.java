package io.strata.driver.zfs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.strata.store.digest.Digest;
import io.strata.store.driver.DriverFixture;
import io.strata.store.driver.Snapshot;
import io.strata.store.engine.ChunkStore;
import io.strata.store.error.ConflictException;
import io.strata.store.error.InvalidArgumentException;
import io.strata.store.error.NotFoundException;
import io.strata.store.fs.FileSystemView;
import io.strata.store.fs.TreeFileSystem;
import io.strata.store.testing.TestData;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.roaringbitmap.RoaringBitmap;

/** The zfs model on a real store: records, properties, clones, promote and the listing. */
class ZfsDriverTest {
  private static final int K128 = 128 << 10;

  @TempDir Path dir;
  private DriverFixture fixture;
  private ZfsDriver driver;
  private ChunkStore chunks;

  @BeforeEach
  void open() throws IOException {
    fixture = new DriverFixture(dir, new ZfsDriverProvider());
    driver = (ZfsDriver) fixture.driver();
    chunks = fixture.chunks();
  }

  @AfterEach
  void close() throws IOException {
    fixture.close();
  }

  private void reopen() throws IOException {
    driver = (ZfsDriver) fixture.reopen();
    chunks = fixture.chunks();
  }

  private static void put(FileSystemView fs, String path, byte[] content) throws IOException {
    fs.writeFile(path, new ByteArrayInputStream(content), 0644, 0, 0, 0);
  }

  private static byte[] read(FileSystemView fs, String path) throws IOException {
    try (var in = fs.open(path)) {
      return in.readAllBytes();
    }
  }

  /** A committed layer made from {@code parent} holding {@code files}. */
  private void layer(String name, String parent, Map<String, byte[]> files) throws IOException {
    driver.prepare(name + "-active", parent, Map.of());
    for (Map.Entry<String, byte[]> f : files.entrySet()) {
      put(driver.fs(name + "-active"), f.getKey(), f.getValue());
    }
    driver.commit(name, name + "-active");
  }

  private boolean stored(byte[] b, int off, int len) {
    return chunks.idOf(Digest.sha256(b, off, len)) >= 0;
  }

  private RoaringBitmap chunksOf(String key) {
    return chunks.root(Snapshot.rootName(key)).chunks();
  }

  private Map<String, Map<String, Object>> listing() throws IOException {
    Map<String, Map<String, Object>> byName = new HashMap<>();
    for (Map<String, Object> row : driver.nativeListing()) {
      byName.put((String) row.get("name"), row);
    }
    return byName;
  }

  private List<Object> names() throws IOException {
    return driver.nativeListing().stream().map(r -> r.get("name")).toList();
  }

  // ---- records ----

  /**
   * Directories report st_nlink 2 plus subdirectories and st_size the number of entries plus 2, as
   * OpenZFS does (zfs_mknode starts a directory at size 2, zfs_link_create adds one per entry).
   */
  @Test
  void directoriesCountAsZfsDoes() throws IOException {
    driver.prepare("d", null, Map.of());
    FileSystemView fs = driver.fs("d");
    assertThat(List.of(fs.stat("/").nlink(), fs.stat("/").size())).containsExactly(2, 2L);
    fs.mkdir("/d", 0755);
    put(fs, "/d/abc", new byte[5]);
    fs.mkdir("/d/sub", 0755);
    fs.mkdir("/d/sub2", 0755);
    fs.link("/d/abc", "/d/hardlink");
    assertThat(List.of(fs.stat("/d").nlink(), fs.stat("/d").size())).containsExactly(4, 6L);
    fs.rename("/d/sub", "/sub");
    assertThat(List.of(fs.stat("/d").nlink(), fs.stat("/d").size())).containsExactly(3, 5L);
    assertThat(List.of(fs.stat("/").nlink(), fs.stat("/").size())).containsExactly(4, 4L);
    fs.remove("/d", true);
    assertThat(List.of(fs.stat("/").nlink(), fs.stat("/").size())).containsExactly(3, 3L);
  }

  @Test
  void aSmallWriteIntoALargeFileStoresExactlyOneRecord() throws IOException {
    driver.prepare("c", null, Map.of());
    FileSystemView fs = driver.fs("c");
    byte[] data = TestData.random(1, 8 << 20);
    put(fs, "/big", data);
    RoaringBitmap before = chunksOf("c");
    byte[] patch = TestData.random(2, 4096);
    int offset = 5 * K128 + 1000;
    fs.write("/big", offset, patch, 0, patch.length);
    System.arraycopy(patch, 0, data, offset, patch.length);

    RoaringBitmap added = RoaringBitmap.andNot(chunksOf("c"), before);
    int record = chunks.idOf(Digest.sha256(data, 5 * K128, K128));
    assertThat(added.contains(record)).as("the rewritten record, whole").isTrue();
    byte[] buf = TreeFileSystem.chunkBuffer();
    long otherBytes = 0;
    for (int id : added) {
      if (id != record) {
        otherBytes += chunks.read(id, buf);
      }
    }
    assertThat(otherBytes).as("besides the record only a few tree nodes").isLessThan(64 << 10);
    assertThat(read(fs, "/big")).isEqualTo(data);
  }

  @Test
  @org.junit.jupiter.api.Timeout(60)
  void stBlocksFollowTheRecordsOfALargeFileAsStatKeepsThem() throws IOException {
    driver.prepare("c", null, Map.of());
    FileSystemView fs = driver.fs("c");
    put(fs, "/big", TestData.random(5, 16 * K128));
    assertThat(fs.stat("/big").allocatedBytes()).isEqualTo(16L * K128);
    fs.truncate("/big", 32L * K128); // a hole of 16 records
    fs.write("/big", 20 * K128, TestData.random(6, 100), 0, 100); // one record in it
    assertThat(fs.stat("/big").allocatedBytes()).isEqualTo(17L * K128);
    fs.truncate("/big", 8L * K128);
    assertThat(fs.stat("/big").allocatedBytes()).isEqualTo(8L * K128);
    reopen();
    assertThat(driver.fs("c").stat("/big").allocatedBytes()).isEqualTo(8L * K128);
  }

  @Test
  void aFileSmallerThanItsRecordSizeIsOneRecordOfItsOwnSize() throws IOException {
    driver.prepare("c", null, Map.of());
    byte[] small = TestData.random(3, 1000);
    put(driver.fs("c"), "/small", small);
    assertThat(stored(small, 0, small.length)).isTrue();
    byte[] more = TestData.random(4, 500);
    driver.fs("c").write("/small", 1000, more, 0, more.length);
    byte[] grown = Arrays.copyOf(small, 1500);
    System.arraycopy(more, 0, grown, 1000, 500);
    assertThat(stored(grown, 0, grown.length)).as("the record grew with the file").isTrue();
  }

  @Test
  void recordSizeDecidesTheRecordsOfFilesCreatedAfterwards() throws IOException {
    driver.prepare("c", null, Map.of());
    FileSystemView fs = driver.fs("c");
    byte[] old = TestData.random(5, 64 << 10);
    put(fs, "/old", old);
    driver.set(driver.dataset("c"), "recordsize", "16K");

    byte[] data = TestData.random(6, 100 << 10);
    put(fs, "/new", data);
    for (int off = 0; off < data.length; off += 16 << 10) {
      int len = Math.min(16 << 10, data.length - off);
      assertThat(stored(data, off, len)).as("16K record at " + off).isTrue();
    }
    assertThat(stored(data, 0, data.length)).isFalse();

    // The older file keeps its 128K records as it grows.
    byte[] tail = TestData.random(7, 64 << 10);
    fs.write("/old", 64 << 10, tail, 0, tail.length);
    byte[] whole = Arrays.copyOf(old, K128);
    System.arraycopy(tail, 0, whole, 64 << 10, tail.length);
    assertThat(stored(whole, 0, K128)).isTrue();
    assertThat(read(fs, "/old")).isEqualTo(whole);
  }

  @Test
  void dedupOffStoresEveryRecordAnew() throws IOException {
    byte[] data = TestData.random(8, 256 << 10);
    driver.prepare("on", null, Map.of());
    driver.prepare("off", null, Map.of());
    driver.set(driver.dataset("off"), "dedup", "off");

    long start = chunks.stats().uniqueBytes();
    put(driver.fs("on"), "/a", data);
    put(driver.fs("on"), "/b", data);
    long dedupOn = chunks.stats().uniqueBytes() - start;
    assertThat(dedupOn).isLessThan(data.length + (64 << 10));

    start = chunks.stats().uniqueBytes();
    put(driver.fs("off"), "/a", data);
    put(driver.fs("off"), "/b", data);
    long dedupOff = chunks.stats().uniqueBytes() - start;
    assertThat(dedupOff).as("neither copy shares a block").isGreaterThanOrEqualTo(2L * data.length);

    reopen();
    assertThat(read(driver.fs("off"), "/a")).isEqualTo(data);
    assertThat(read(driver.fs("off"), "/b")).isEqualTo(data);
  }

  @Test
  void compressionPropertyChoosesTheCodecOfNewRecords() throws IOException {
    driver.prepare("plain", null, Map.of());
    driver.prepare("packed", null, Map.of());
    driver.set(driver.dataset("plain"), "compression", "off");
    driver.set(driver.dataset("packed"), "compression", "zstd-9");
    put(driver.fs("plain"), "/t", TestData.text(9, 1 << 20));
    put(driver.fs("packed"), "/t", TestData.text(10, 1 << 20));
    assertThat(driver.usage("plain").totalBytes()).isGreaterThan(1 << 20);
    assertThat(driver.usage("packed").totalBytes()).isLessThan(600 << 10);
  }

  @Test
  void recordsOfZerosAreHolesOnlyWhileCompressing() throws IOException {
    byte[] zeros = new byte[256 << 10];
    driver.prepare("c", null, Map.of());
    put(driver.fs("c"), "/z", zeros);
    assertThat(stored(zeros, 0, K128)).isFalse();
    assertThat(read(driver.fs("c"), "/z")).isEqualTo(zeros);

    driver.set(driver.dataset("c"), "compression", "off");
    put(driver.fs("c"), "/z2", zeros);
    assertThat(stored(zeros, 0, K128)).isTrue();
  }

  // ---- clones and promote ----

  @Test
  void datasetsSnapshotsAndClonesAreListedAsZfsListsThem() throws IOException {
    layer("base", null, Map.of("/hosts", TestData.random(11, 300 << 10)));
    driver.prepare("c1", "base", Map.of());
    driver.view("v1", "base", Map.of());

    assertThat(names()).containsExactly("strata", "strata/1", "strata/1@1", "strata/2", "strata/3");
    Map<String, Map<String, Object>> rows = listing();
    assertThat(rows.get("strata/1")).containsEntry("origin", null).containsEntry("key", "base");
    assertThat(rows.get("strata/1@1")).containsEntry("type", "snapshot").containsEntry("used", 0L);
    assertThat(rows.get("strata/2"))
        .containsEntry("origin", "strata/1@1")
        .containsEntry("key", "c1")
        .containsEntry("type", "filesystem");
    assertThat(rows.get("strata/3")).containsEntry("origin", "strata/1@1");
    long refer = (Long) rows.get("strata/1").get("refer");
    assertThat(refer).isGreaterThan(300 << 10);
    assertThat(rows.get("strata/2").get("refer")).isEqualTo(refer);
    assertThat(rows.get("strata/1").get("used")).isEqualTo(refer);
    assertThat(rows.get("strata/2").get("used"))
        .as("a clone is charged for its changes")
        .isEqualTo(0L);
    assertThat(rows.get("strata").get("used")).isEqualTo(refer);

    // What `strata driver ls` prints: columns named by the first row's keys, in its order, and
    // the sizes (integral numbers) in zfs's short form. So every row leads with zfs's columns.
    for (Map<String, Object> row : driver.nativeListing()) {
      assertThat(List.copyOf(row.keySet()).subList(0, 5))
          .as("columns of %s", row.get("name"))
          .containsExactly("name", "type", "used", "refer", "origin");
      assertThat(row.get("used")).isInstanceOf(Long.class);
      assertThat(row.get("refer")).isInstanceOf(Long.class);
    }
  }

  @Test
  void aCloneKeepsItsOriginAlive() throws IOException {
    layer("base", null, Map.of("/f", TestData.random(12, 1000)));
    driver.prepare("c", "base", Map.of());
    assertThatThrownBy(() -> driver.remove("base")).isInstanceOf(ConflictException.class);
    driver.remove("c");
    driver.remove("base");
    assertThat(names()).containsExactly("strata");
  }

  @Test
  void promoteReversesTheCloneDependency() throws IOException {
    byte[] base = TestData.random(13, 200 << 10);
    byte[] mine = TestData.random(14, 50 << 10);
    layer("base", null, Map.of("/base", base));
    layer("app", "base", Map.of("/app", mine));
    assertThatThrownBy(() -> driver.remove("base")).isInstanceOf(ConflictException.class);

    driver.promote("app");

    Map<String, Map<String, Object>> rows = listing();
    assertThat(names())
        .containsExactly("strata", "strata/1", "strata/2", "strata/2@1", "strata/2@2");
    assertThat(rows.get("strata/2")).containsEntry("origin", null);
    assertThat(rows.get("strata/1")).containsEntry("origin", "strata/2@1");
    assertThat(rows.get("strata/1").get("used")).as("its space moved to the clone").isEqualTo(0L);
    assertThat((Long) rows.get("strata/2").get("used")).isGreaterThan(250 << 10);
    assertThat(driver.stat("app").parent()).isNull();
    assertThat(driver.stat("base").parent()).isEqualTo("app");
    assertThatThrownBy(() -> driver.remove("app")).isInstanceOf(ConflictException.class);

    reopen();
    // Destroying the demoted dataset keeps the snapshot promote moved, as ZFS does (#14 item 9:
    // this used to remove strata/2@1 silently).
    driver.remove("base");
    assertThat(names()).containsExactly("strata", "strata/2", "strata/2@1", "strata/2@2");
    String at1 = (String) listing().get("strata/2@1").get("key");
    assertThat(read(driver.fs(at1), "/base")).isEqualTo(base);
    assertThat(driver.fs(at1).exists("/app")).isFalse();
    assertThat((Long) listing().get("strata/2@1").get("refer")).isGreaterThan(200 << 10);
    List<String> keys = new java.util.ArrayList<>();
    driver.walk(i -> keys.add(i.key()));
    assertThat(keys).as("containerd sees the snapshots it made").containsExactly("app");
    assertThatThrownBy(() -> driver.stat(at1)).isInstanceOf(NotFoundException.class);
    assertThatThrownBy(() -> driver.set("strata/1", "dedup", "on"))
        .isInstanceOf(NotFoundException.class);
    reopen();
    assertThat(names()).containsExactly("strata", "strata/2", "strata/2@1", "strata/2@2");
    assertThat(read(driver.fs("app"), "/base")).isEqualTo(base);
    assertThat(read(driver.fs("app"), "/app")).isEqualTo(mine);
    // the snapshot goes with the dataset that holds it
    driver.remove("app");
    assertThat(names()).containsExactly("strata");
    assertThat(fixture.chunks().allRoots())
        .extracting(r -> r.name())
        .noneMatch(n -> n.startsWith("snap/"));
  }

  /** zfs snapshot, rollback and rollback -r on a written dataset (#14 item 9). */
  /** Written bytes are whole records, whatever other datasets hold (ZFS's written). */
  @Test
  void writtenBytesAreWholeRecordsOfTheDataset() throws IOException {
    byte[] big = TestData.random(40, 1 << 20);
    layer("base", null, Map.of("/big", big));
    driver.prepare("c1", "base", Map.of());
    driver.prepare("c2", "base", Map.of());
    byte[] patch = TestData.random(41, 4096);
    driver.fs("c1").write("/big", 300_000, patch, 0, patch.length);
    driver.fs("c2").write("/big", 300_000, patch, 0, patch.length);
    assertThat(driver.written("c1")).isEqualTo(K128);
    assertThat(driver.written("c2")).isEqualTo(K128);
    assertThat(driver.written("base")).isEqualTo(1 << 20);
  }

  @Test
  void aRollbackGivesUpAnIntentLogThatCouldNotBeReplayed() throws IOException {
    driver.prepare("c", null, Map.of());
    put(driver.fs("c"), "/f", new byte[] {1});
    assertThat(driver.snapshot("c")).isEqualTo("strata/1@2");
    put(driver.fs("c"), "/f", new byte[] {2});
    Digest root = ((TreeFileSystem) driver.fs("c")).committedRoot();
    reopen();
    // a log of the committed root whose only batch is damaged (a changed byte in its header):
    // the dataset is refused until its changes are given up
    byte[] k = "c".getBytes(java.nio.charset.StandardCharsets.UTF_8);
    Path log =
        dir.resolve("zfs")
            .resolve(io.strata.store.driver.SnapshotSet.INTENT_DIR)
            .resolve(Digest.sha256(k, 0, k.length).hex() + ".log");
    try (io.strata.store.fs.IntentLog l = new io.strata.store.fs.IntentLog(log)) {
      l.restart(root);
      l.hold(new byte[] {1, 2, 3});
      l.force();
    }
    byte[] b = java.nio.file.Files.readAllBytes(log);
    b[30] ^= 1;
    java.nio.file.Files.write(log, b);
    reopen();
    assertThatThrownBy(() -> driver.fs("c")).hasMessageContaining("its intent log");
    assertThatThrownBy(() -> driver.snapshot("c")).hasMessageContaining("its intent log");

    driver.rollback("strata/1@2", false); // as zfs rollback drops the ZIL
    assertThat(read(driver.fs("c"), "/f")).containsExactly(1);
    assertThat(log).doesNotExist();
    reopen();
    assertThat(read(driver.fs("c"), "/f")).containsExactly(1);
  }

  @Test
  void snapshotsOfAWrittenDatasetAndRollback() throws IOException {
    driver.prepare("c", null, Map.of());
    FileSystemView fs = driver.fs("c");
    put(fs, "/f", new byte[] {1});
    assertThat(driver.snapshot("c")).isEqualTo("strata/1@2");
    put(fs, "/f", new byte[] {2});
    fs.mkdir("/d", 0755);
    assertThat(driver.snapshot("c")).isEqualTo("strata/1@3");
    put(fs, "/f", new byte[] {3});
    assertThat(names()).containsExactly("strata", "strata/1", "strata/1@2", "strata/1@3");
    List<String> keys = new java.util.ArrayList<>();
    driver.walk(i -> keys.add(i.key()));
    assertThat(keys).as("containerd sees no zfs snapshot").containsExactly("c");

    assertThatThrownBy(() -> driver.rollback("strata/1@2", false))
        .isInstanceOf(ConflictException.class)
        .hasMessageContaining("strata/1@3");
    driver.rollback("strata/1@3", false);
    assertThat(read(fs, "/f")).containsExactly(2);
    assertThat(fs.exists("/d")).isTrue();
    put(fs, "/g", new byte[] {9}); // the same view object keeps working on the new tree
    driver.rollback("strata/1@2", true);
    assertThat(read(driver.fs("c"), "/f")).containsExactly(1);
    assertThat(driver.fs("c").exists("/d")).isFalse();
    assertThat(driver.fs("c").exists("/g")).isFalse();
    assertThat(names()).containsExactly("strata", "strata/1", "strata/1@2");
    assertThatThrownBy(() -> driver.rollback("strata/1@3", false))
        .isInstanceOf(NotFoundException.class);

    reopen();
    assertThat(read(driver.fs("c"), "/f")).containsExactly(1);
    assertThat(names()).containsExactly("strata", "strata/1", "strata/1@2");
    driver.commit("layer", "c");
    assertThat(names()).containsExactly("strata", "strata/1", "strata/1@2", "strata/1@1");
    assertThatThrownBy(() -> driver.rollback("strata/1@2", true))
        .isInstanceOf(ConflictException.class);
    driver.remove("layer");
    assertThat(names()).containsExactly("strata");
    assertThat(fixture.chunks().allRoots())
        .extracting(r -> r.name())
        .noneMatch(n -> n.startsWith("snap/"));
  }

  /** zfs destroy -R: a layer with its clones and their snapshots, dependents first. */
  @Test
  void destroyRecursiveTakesTheClonesToo() throws IOException {
    layer("base", null, Map.of("/f", TestData.random(30, 100)));
    layer("app", "base", Map.of("/a", TestData.random(31, 100)));
    driver.prepare("c1", "app", Map.of());
    driver.view("v", "base", Map.of());
    layer("other", null, Map.of("/o", TestData.random(32, 100)));
    assertThatThrownBy(() -> driver.remove("base")).isInstanceOf(ConflictException.class);
    driver.destroyRecursive("base");
    List<String> keys = new java.util.ArrayList<>();
    driver.walk(i -> keys.add(i.key()));
    assertThat(keys).containsExactly("other");
    assertThat(names()).containsExactly("strata", "strata/5", "strata/5@5");
  }

  @Test
  void promoteTwiceRestoresTheFirstOrder() throws IOException {
    layer("base", null, Map.of("/base", TestData.random(15, 1000)));
    layer("app", "base", Map.of("/app", TestData.random(16, 1000)));
    driver.promote("app");
    driver.promote("base");
    Map<String, Map<String, Object>> rows = listing();
    assertThat(rows.get("strata/1")).containsEntry("origin", null);
    assertThat(rows.get("strata/2")).containsEntry("origin", "strata/1@1");
    assertThat(driver.stat("app").parent()).isEqualTo("base");
    assertThat(driver.stat("base").parent()).isNull();
  }

  @Test
  void aSnapshotsContentStaysWhileClonesUseItWhereverPromoteMovedIt() throws IOException {
    layer("base", null, Map.of("/base", TestData.random(17, 1000)));
    layer("a", "base", Map.of("/a", TestData.random(18, 1000)));
    layer("b", "base", Map.of("/b", TestData.random(19, 1000)));
    driver.promote("a"); // base@1 moves to a; b is now a clone of strata/2@1
    assertThat(listing().get("strata/3")).containsEntry("origin", "strata/2@1");
    driver.promote("b"); // and on to b
    assertThat(listing().get("strata/2")).containsEntry("origin", "strata/3@1");
    // Nothing names base as a parent any more, but a is still a clone of its snapshot.
    assertThatThrownBy(() -> driver.remove("base")).isInstanceOf(ConflictException.class);
  }

  @Test
  void onlyClonesArePromoted() throws IOException {
    layer("base", null, Map.of("/f", TestData.random(20, 100)));
    assertThatThrownBy(() -> driver.promote("base")).isInstanceOf(ConflictException.class);
    assertThatThrownBy(() -> driver.promote("missing")).isInstanceOf(NotFoundException.class);
    driver.view("view", "base", Map.of());
    driver.promote("view");
    assertThat(driver.stat("base").parent()).isEqualTo("view");
  }

  /** zfs promote of a written (active) clone, which then commits (#14 item 9). */
  @Test
  void anActiveCloneIsPromotedAndItsFormerOriginFollowsItsCommit() throws IOException {
    byte[] base = TestData.random(21, 1000);
    layer("base", null, Map.of("/base", base));
    driver.prepare("c", "base", Map.of());
    put(driver.fs("c"), "/mine", new byte[] {7});
    driver.promote("c");
    assertThat(driver.stat("base").parent()).isEqualTo("c");
    assertThat(listing().get("strata/1")).containsEntry("origin", "strata/2@1");
    assertThat(names()).containsExactly("strata", "strata/1", "strata/2", "strata/2@1");
    assertThatThrownBy(() -> driver.remove("c")).isInstanceOf(ConflictException.class);
    put(driver.fs("c"), "/more", new byte[] {8}); // still written after the promote

    driver.commit("app", "c");
    assertThat(driver.stat("base").parent()).isEqualTo("app");
    reopen();
    assertThat(driver.stat("base").parent()).isEqualTo("app");
    assertThat(names())
        .containsExactly("strata", "strata/1", "strata/2", "strata/2@1", "strata/2@2");
    driver.remove("base");
    assertThat(names()).containsExactly("strata", "strata/2", "strata/2@1", "strata/2@2");
    assertThat(read(driver.fs("app"), "/base")).isEqualTo(base);
    assertThat(read(driver.fs("app"), "/more")).containsExactly(8);
  }

  @Test
  void aPromoteCutShortByACrashIsFinishedOnOpen() throws IOException {
    layer("base", null, Map.of("/f", TestData.random(21, 100)));
    layer("app", "base", Map.of("/g", TestData.random(22, 100)));
    driver.intendPromote("app");
    assertThat(driver.stat("app").parent()).as("not applied yet").isEqualTo("base");
    reopen();
    assertThat(driver.stat("app").parent()).isNull();
    assertThat(driver.stat("base").parent()).isEqualTo("app");
    assertThat(listing().get("strata/1")).containsEntry("origin", "strata/2@1");
  }

  // ---- properties ----

  @Test
  void aGetOfSeveralPropertiesSeesASetOfSeveralWholeOrNotAtAll() throws Exception {
    layer("base", null, Map.of("/f", TestData.random(26, 100)));
    driver.prepare("c", "base", Map.of());
    List<List<io.strata.store.driver.PropertyAssignment>> sets =
        List.of(
            List.of(
                new io.strata.store.driver.PropertyAssignment("atime", "off"),
                new io.strata.store.driver.PropertyAssignment("recordsize", "64K"),
                new io.strata.store.driver.PropertyAssignment("compression", "lz4")),
            List.of(
                new io.strata.store.driver.PropertyAssignment("atime", "on"),
                new io.strata.store.driver.PropertyAssignment("recordsize", "32K"),
                new io.strata.store.driver.PropertyAssignment("compression", "zstd")));
    driver.setAll(sets.get(0), List.of("strata/2"));
    java.util.concurrent.atomic.AtomicBoolean done =
        new java.util.concurrent.atomic.AtomicBoolean();
    Thread setter =
        new Thread(
            () -> {
              try {
                for (int i = 0; i < 200; i++) {
                  driver.setAll(sets.get(i % 2), List.of("strata/2"));
                }
              } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
              } finally {
                done.set(true);
              }
            });
    setter.start();
    java.util.Set<String> seen = new java.util.TreeSet<>();
    while (!done.get()) {
      StringBuilder state = new StringBuilder();
      for (Map<String, Object> r :
          driver.properties("get", "atime,recordsize,compression", null, "strata/2")) {
        state.append(r.get("value")).append(' ');
      }
      seen.add(state.toString().trim());
    }
    setter.join();
    assertThat(seen).isSubsetOf("off 64K lz4", "on 32K zstd");
  }

  @Test
  void setOfSeveralIsAllOrNothingAndDurable() throws IOException {
    layer("base", null, Map.of("/f", TestData.random(25, 100)));
    driver.prepare("c", "base", Map.of());
    List<io.strata.store.driver.PropertyAssignment> mixed =
        List.of(
            new io.strata.store.driver.PropertyAssignment("atime", "off"),
            new io.strata.store.driver.PropertyAssignment("recordsize", "3K"));
    assertThatThrownBy(() -> driver.setAll(mixed, List.of("strata/2")))
        .isInstanceOf(InvalidArgumentException.class)
        .hasMessageContaining("3K");
    List<io.strata.store.driver.PropertyAssignment> good =
        List.of(
            new io.strata.store.driver.PropertyAssignment("atime", "off"),
            new io.strata.store.driver.PropertyAssignment("compression", "lz4"));
    assertThatThrownBy(() -> driver.setAll(good, List.of("strata/2", "strata/99")))
        .isInstanceOf(NotFoundException.class)
        .hasMessageContaining("strata/99");
    assertThat(driver.get("strata/2", "atime").source()).isEqualTo("default");

    assertThat(driver.setAll(good, List.of("strata/2", "c")))
        .extracting(r -> r.get("name") + " " + r.get("property") + " " + r.get("value"))
        .containsExactly(
            "strata/2 atime off",
            "strata/2 compression lz4",
            "strata/2 atime off",
            "strata/2 compression lz4");
    reopen();
    assertThat(driver.get("strata/2", "compression"))
        .isEqualTo(new PropertyValue("strata/2", "compression", "lz4", "local"));
    // inherit (a null value) of one and set of another in one list, on the pool (no names)
    driver.setAll(
        List.of(
            new io.strata.store.driver.PropertyAssignment("dedup", null),
            new io.strata.store.driver.PropertyAssignment("atime", "off")),
        List.of());
    assertThat(driver.get("strata", "dedup").source()).isEqualTo("default");
    assertThat(driver.get("strata", "atime").source()).isEqualTo("local");
    assertThatThrownBy(
            () ->
                driver.setAll(
                    List.of(
                        new io.strata.store.driver.PropertyAssignment("atime", "on"),
                        new io.strata.store.driver.PropertyAssignment("quota", null)),
                    List.of()))
        .isInstanceOf(InvalidArgumentException.class)
        .hasMessageContaining("cannot be inherited");
    assertThat(driver.get("strata", "atime").value()).isEqualTo("off");
  }

  @Test
  void propertiesAreInheritedAlongTheNamespaceNotTheOriginAndPersist() throws IOException {
    layer("base", null, Map.of("/f", TestData.random(23, 100)));
    driver.prepare("c", "base", Map.of());
    driver.set("strata", "compression", "lz4");
    driver.set("strata/1", "recordsize", "16384");

    // strata/2 is a clone of strata/1@1 but a child of strata: it inherits from the pool only
    assertThat(driver.get("strata/2", "recordsize"))
        .isEqualTo(new PropertyValue("strata/2", "recordsize", "128K", "default"));
    assertThat(driver.get("strata/2", "compression"))
        .isEqualTo(new PropertyValue("strata/2", "compression", "lz4", "inherited from strata"));
    assertThat(driver.get("strata/1", "recordsize").source()).isEqualTo("local");
    // dedup's default is off, as in OpenZFS; the pool is made with dedup=on set on it
    assertThat(driver.get("strata/2", "dedup"))
        .isEqualTo(new PropertyValue("strata/2", "dedup", "on", "inherited from strata"));
    assertThat(driver.get("strata", "dedup"))
        .isEqualTo(new PropertyValue("strata", "dedup", "on", "local"));
    driver.inherit("strata", "dedup");
    assertThat(driver.get("strata/2", "dedup"))
        .isEqualTo(new PropertyValue("strata/2", "dedup", "off", "default"));
    driver.set("strata", "dedup", "on");

    driver.set("strata", "recordsize", "32K");
    byte[] data = TestData.random(24, 64 << 10);
    put(driver.fs("c"), "/data", data);
    assertThat(stored(data, 0, 32 << 10)).as("the clone writes the pool's 32K records").isTrue();

    reopen();
    assertThat(driver.list("strata/2"))
        .filteredOn(v -> !v.source().equals("-"))
        .extracting(PropertyValue::property, PropertyValue::value, PropertyValue::source)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("atime", "on", "default"),
            org.assertj.core.groups.Tuple.tuple("compression", "lz4", "inherited from strata"),
            org.assertj.core.groups.Tuple.tuple("dedup", "on", "inherited from strata"),
            org.assertj.core.groups.Tuple.tuple("quota", "none", "default"),
            org.assertj.core.groups.Tuple.tuple("readonly", "off", "default"),
            org.assertj.core.groups.Tuple.tuple("recordsize", "32K", "inherited from strata"),
            org.assertj.core.groups.Tuple.tuple("relatime", "on", "default"));
    assertThat(driver.get("strata/1", "recordsize").value()).isEqualTo("16K");
    driver.inherit("strata", "recordsize");
    assertThat(driver.get("strata/2", "recordsize").source()).isEqualTo("default");
    reopen();
    assertThat(driver.get("strata/2", "recordsize").value()).isEqualTo("128K");
  }

  @Test
  void readonlyRefusesEveryChangeLocallyOrInheritedAndLeavesTheFilesAsTheyWere()
      throws IOException {
    layer("base", null, Map.of("/f", TestData.random(40, 100)));
    driver.prepare("c", "base", Map.of());
    byte[] before = TestData.random(41, 200 << 10);
    put(driver.fs("c"), "/data", before);
    driver.set("strata/2", "readonly", "on");

    FileSystemView fs = driver.fs("c");
    byte[] more = TestData.random(42, 4096);
    assertThatThrownBy(() -> fs.write("/data", 0, more, 0, more.length))
        .isInstanceOf(ConflictException.class)
        .hasMessage(
            "dataset strata/2 (snapshot c): read-only file system (readonly=on, set locally)");
    assertThatThrownBy(() -> fs.mkdir("/d", 0755)).isInstanceOf(ConflictException.class);
    assertThatThrownBy(() -> fs.chmod("/data", 0600)).isInstanceOf(ConflictException.class);
    assertThatThrownBy(() -> fs.remove("/data", false)).isInstanceOf(ConflictException.class);
    assertThat(read(fs, "/data")).isEqualTo(before);
    assertThat(fs.exists("/d")).isFalse();
    assertThat(fs.stat("/data").permissions()).isEqualTo(0644);

    driver.inherit("strata/2", "readonly");
    driver.set("strata", "readonly", "on");
    reopen();
    FileSystemView again = driver.fs("c");
    assertThatThrownBy(() -> put(again, "/new", more))
        .isInstanceOf(ConflictException.class)
        .hasMessageContaining("readonly=on, inherited from strata");
    assertThat(again.exists("/new")).isFalse();
    assertThat(driver.get("strata/2", "readonly"))
        .isEqualTo(new PropertyValue("strata/2", "readonly", "on", "inherited from strata"));

    driver.set("strata/2", "readonly", "off"); // a local off beats the inherited on
    again.write("/data", 0, more, 0, more.length);
    assertThat(Arrays.copyOf(read(again, "/data"), 4096)).isEqualTo(more);
  }

  @Test
  void quotaRefusesWritesPastItLeavesTheStoreUnchangedAndIsNotInherited() throws IOException {
    layer("base", null, Map.of("/f", TestData.random(43, 100)));
    driver.prepare("c", "base", Map.of());
    driver.set("strata/2", "quota", "1M");
    assertThat(driver.get("strata/2", "quota"))
        .isEqualTo(new PropertyValue("strata/2", "quota", "1M", "local"));

    FileSystemView fs = driver.fs("c");
    byte[] first = TestData.random(44, 512 << 10);
    put(fs, "/a", first); // about 515K used: under the quota
    Map<String, Object> row = listing().get("strata/2");
    long used = (Long) row.get("used");
    assertThat(used).isBetween(512L << 10, 1L << 20);

    byte[] second = TestData.random(45, 640 << 10);
    assertThatThrownBy(() -> put(fs, "/b", second))
        .isInstanceOf(io.strata.store.error.StorageFullException.class)
        .hasMessageStartingWith(
            "dataset strata/2 (writing snapshot c): disk quota exceeded: quota 1M,");
    assertThat(fs.exists("/b")).as("the refused file is rolled back").isFalse();
    assertThat(listing().get("strata/2").get("used")).isEqualTo(used);
    assertThatThrownBy(() -> fs.write("/a", 512 << 10, second, 0, second.length))
        .isInstanceOf(io.strata.store.error.StorageFullException.class);
    assertThat(fs.stat("/a").size()).isEqualTo(512 << 10);
    assertThat(read(fs, "/a")).isEqualTo(first);
    assertThat(listing().get("strata/2").get("used")).isEqualTo(used);

    // a write that fits still goes through after a refusal
    byte[] small = TestData.random(46, 100 << 10);
    put(fs, "/small", small);
    assertThat(read(fs, "/small")).isEqualTo(small);

    // removing files is never refused, and frees room once the store forgets them
    fs.remove("/a", false);

    // quota is not inherited: the pool's quota limits the sum of its datasets instead
    assertThatThrownBy(() -> driver.set("strata/2", "quota", "64K"))
        .isInstanceOf(InvalidArgumentException.class)
        .hasMessageContaining("size is less than current used");
    assertThatThrownBy(() -> driver.inherit("strata/2", "quota"))
        .isInstanceOf(InvalidArgumentException.class)
        .hasMessage("'quota' property cannot be inherited; use 'zfs set quota=none' to clear");
    driver.set("strata/2", "quota", "none");
    driver.set("strata", "quota", "1.5M");
    assertThat(driver.get("strata", "quota").value()).isEqualTo("1.50M");
    assertThat(driver.get("strata/2", "quota"))
        .isEqualTo(new PropertyValue("strata/2", "quota", "none", "default"));
    driver.prepare("d", "base", Map.of());
    reopen();
    FileSystemView other = driver.fs("d");
    long poolUsed = (Long) listing().get("strata").get("used");
    byte[] big = TestData.random(47, (int) ((3L << 19) - poolUsed + (64 << 10)));
    assertThatThrownBy(() -> put(other, "/big", big))
        .isInstanceOf(io.strata.store.error.StorageFullException.class)
        .hasMessageStartingWith("dataset strata (writing snapshot d): disk quota exceeded");
    assertThat(other.exists("/big")).isFalse();
  }

  /**
   * As ZFS refuses a transaction whose estimate does not fit under the quota, a change that stores
   * no record (mkdir, symlink, chmod, rename) is refused within one tree node (16K) of the quota,
   * leaving the files as they were; removals still go through, and a quota with room lets them.
   */
  @Test
  @org.junit.jupiter.api.Timeout(60)
  void quotaRefusesMetadataChangesAtItButNotRemovals() throws IOException {
    layer("base", null, Map.of("/f", TestData.random(48, 100)));
    driver.prepare("c", "base", Map.of());
    FileSystemView fs = driver.fs("c");
    put(fs, "/a", TestData.random(49, 256 << 10));
    put(fs, "/b", TestData.random(50, 100));
    long used = (Long) listing().get("strata/2").get("used");
    driver.set("strata/2", "quota", Long.toString(used + (8 << 10)));
    Snapshot before = driver.set().get("c");

    List<ThrowingRunnable> refused =
        List.of(
            () -> fs.mkdir("/d", 0755),
            () -> fs.symlink("/a", "/s"),
            () -> fs.chmod("/a", 0600),
            () -> fs.rename("/b", "/c"),
            () -> fs.link("/a", "/a2"));
    for (ThrowingRunnable change : refused) {
      assertThatThrownBy(change::run)
          .isInstanceOf(io.strata.store.error.StorageFullException.class)
          .hasMessageStartingWith(
              "dataset strata/2 (changing snapshot c): disk quota exceeded: quota ")
          .hasMessageEndingWith(", this change needs 16K more");
    }
    assertThat(driver.set().get("c").treeRoot()).isEqualTo(before.treeRoot());
    assertThat(fs.list("/")).extracting(e -> e.name()).containsExactly("a", "b", "f");
    assertThat(fs.stat("/a").mode() & 07777).isEqualTo(0644);

    fs.remove("/b", false); // never refused
    assertThat(fs.exists("/b")).isFalse();
    driver.set("strata/2", "quota", Long.toString(used + (64 << 10)));
    fs.mkdir("/d", 0755);
    assertThat(fs.stat("/d").isDirectory()).isTrue();
    driver.set("strata/2", "quota", "none");
  }

  /** A change that may throw. */
  @FunctionalInterface
  private interface ThrowingRunnable {
    void run() throws IOException;
  }

  @Test
  void spaceIsReadAsReadOnlyPropertiesAsZfsGetShowsIt() throws IOException {
    layer("base", null, Map.of("/f", TestData.random(51, 300 << 10)));
    driver.prepare("c", "base", Map.of());
    put(driver.fs("c"), "/g", TestData.random(52, 200 << 10));
    Map<String, Map<String, Object>> rows = listing();
    assertThat(driver.list("strata/2"))
        .filteredOn(v -> v.source().equals("-"))
        .extracting(PropertyValue::property)
        .containsExactly("available", "referenced", "used", "written");
    assertThat(driver.get("strata/2", "used").value())
        .isEqualTo(DatasetProperty.niceBytes((Long) rows.get("strata/2").get("used")));
    assertThat(driver.get("strata/2", "referenced").value())
        .isEqualTo(DatasetProperty.niceBytes((Long) rows.get("strata/2").get("refer")));
    assertThat(driver.get("strata/2", "written").value())
        .as("a clone without snapshots has written what it uses")
        .isEqualTo(DatasetProperty.niceBytes((Long) rows.get("strata/2").get("used")));
    assertThat(driver.get("strata", "used").value())
        .isEqualTo(DatasetProperty.niceBytes((Long) rows.get("strata").get("used")));

    long used = (Long) rows.get("strata/2").get("used");
    driver.set("strata/2", "quota", Long.toString(used + (100 << 10)));
    assertThat(driver.get("strata/2", "available").value()).isEqualTo("100K");
    assertThatThrownBy(() -> driver.set("strata/2", "used", "1M"))
        .isInstanceOf(InvalidArgumentException.class)
        .hasMessage("cannot set property for 'strata/2': 'used' is readonly");
  }

  /**
   * {@code written}, {@code used} and {@code referenced} count the same stored (compressed) bytes,
   * so written is never more than referenced, as in ZFS (docs/ADVERSARIAL.md, Z3): a layer's
   * dataset wrote nothing since its snapshot, the snapshot wrote all it references, and a clone
   * wrote what it uses; none is the uncompressed size of the text written.
   */
  @Test
  @Timeout(60)
  void writtenCountsStoredBytesAsUsedAndReferencedDo() throws IOException {
    byte[] text = TestData.text(55, 2 << 20);
    layer("base", null, Map.of("/f", text));
    driver.prepare("c", "base", Map.of());
    put(driver.fs("c"), "/g", TestData.text(56, 1 << 20));
    Map<String, Map<String, Object>> rows = listing();
    long layerRefer = (Long) rows.get("strata/1").get("refer");
    assertThat(layerRefer).as("compressed").isLessThan(text.length);
    assertThat(rows.get("strata/1").get("written")).isEqualTo(0L);
    assertThat(rows.get("strata/1@1").get("written")).isEqualTo(layerRefer);
    long cUsed = (Long) rows.get("strata/2").get("used");
    assertThat(cUsed).isLessThan(1 << 20);
    assertThat(rows.get("strata/2").get("written")).isEqualTo(cUsed);
    assertThat((Long) rows.get("strata/2").get("written"))
        .isLessThanOrEqualTo((Long) rows.get("strata/2").get("refer"));
    assertThat(driver.get("strata/2", "written").value())
        .isEqualTo(DatasetProperty.niceBytes(cUsed));
  }

  /**
   * {@code zfs get} of a snapshot shows its space, and a dataset's property as {@code -}; only
   * {@code set} is refused (docs/ADVERSARIAL.md, Z5). With {@code -p} every size is bytes,
   * recordsize too (Z6).
   */
  @Test
  @Timeout(60)
  void snapshotsHaveTheirSpacePropertiesAndParsableSizesAreBytes() throws IOException {
    layer("base", null, Map.of("/f", TestData.random(57, 100 << 10)));
    Map<String, Object> snap = listing().get("strata/1@1");
    assertThat(driver.properties("get", "used", null, "strata/1@1"))
        .containsExactly(
            Map.of(
                "name", "strata/1@1",
                "property", "used",
                "value", "0B",
                "source", "-"));
    assertThat(driver.properties("get", "referenced", "parsable", "strata/1@1"))
        .extracting(r -> r.get("value"))
        .containsExactly(snap.get("refer").toString());
    assertThat(driver.properties("get", "recordsize", null, "strata/1@1"))
        .extracting(r -> r.get("value") + " " + r.get("source"))
        .containsExactly("- -");
    assertThat(driver.properties("show", null, null, "strata/1@1"))
        .extracting(r -> r.get("property"))
        .containsExactly("referenced", "used", "written");
    assertThatThrownBy(() -> driver.properties("get", "used", null, "strata/1@7"))
        .isInstanceOf(NotFoundException.class)
        .hasMessage("snapshot strata/1@7 not found");
    assertThatThrownBy(() -> driver.properties("set", "atime", "off", "strata/1@1"))
        .isInstanceOf(InvalidArgumentException.class);

    driver.set("strata/1", "recordsize", "64K");
    assertThat(driver.properties("get", "recordsize", "parsable", "strata/1"))
        .extracting(r -> r.get("value"))
        .containsExactly("65536");
    assertThat(listing().get("strata/1").get("recordsize")).isEqualTo(65536L);
    assertThat(listing().get("strata/1@1"))
        .containsEntry("avail", null)
        .containsEntry("origin", null)
        .containsEntry("mountpoint", null);
  }

  /**
   * {@code zfs list} shows what {@code zfs get} does: AVAIL is what a quota leaves, and every
   * property {@code zfs get} knows is a column (docs/ADVERSARIAL.md, U3).
   */
  @Test
  void theListingShowsEveryPropertyAndAvailUnderAQuota() throws IOException {
    layer("base", null, Map.of("/f", TestData.random(53, 300 << 10)));
    driver.prepare("c", "base", Map.of());
    put(driver.fs("c"), "/g", TestData.random(54, 200 << 10));
    long used = (Long) listing().get("strata/2").get("used");
    driver.set("strata/2", "quota", Long.toString(used + (100 << 10)));
    driver.set("strata/2", "readonly", "on");
    driver.set("strata", "quota", "1G");
    Map<String, Object> row = listing().get("strata/2");
    assertThat(row.get("avail")).isEqualTo((long) (100 << 10));
    assertThat(row.get("quota")).isEqualTo(used + (100 << 10));
    assertThat(row.get("readonly")).isEqualTo("on");
    assertThat(row.get("written")).isEqualTo(used);
    Map<String, Object> pool = listing().get("strata");
    assertThat(pool.get("avail")).isEqualTo((1L << 30) - (Long) pool.get("used"));
    java.util.Set<String> aliases = java.util.Set.of("available", "referenced");
    assertThat(driver.list("strata/2"))
        .extracting(PropertyValue::property)
        .filteredOn(p -> !aliases.contains(p))
        .allSatisfy(p -> assertThat(row).containsKey(p));
  }

  @Test
  void aQuotaHoldsAcrossAChangeMadeDurableOnlyAtItsEnd() throws IOException {
    driver.prepare("import", null, Map.of());
    driver.set("strata/1", "quota", "1M");
    FileSystemView fs = driver.fs("import");
    fs.deferSync(true);
    put(fs, "/one", TestData.random(48, 400 << 10));
    put(fs, "/two", TestData.random(49, 400 << 10));
    // nothing is durable yet, but the two files are counted against the quota
    assertThatThrownBy(() -> put(fs, "/three", TestData.random(50, 400 << 10)))
        .isInstanceOf(io.strata.store.error.StorageFullException.class);
    fs.discard();
    fs.deferSync(false);
    assertThat(fs.exists("/one")).isFalse();
    assertThat(fs.list("/")).isEmpty();
  }

  @Test
  void badPropertiesAndDatasetsAreRefused() throws IOException {
    layer("base", null, Map.of("/f", TestData.random(25, 100)));
    for (String[] bad :
        new String[][] {
          {"recordsize", "3000"},
          {"recordsize", "2M"},
          {"recordsize", "2K"},
          {"compression", "gzip"},
          {"compression", "zstd-20"},
          {"dedup", "maybe"},
          {"quota", "lots"},
          {"quota", "-1"},
          {"readonly", "yes"},
          {"atime", "sometimes"},
          {"relatime", "1"},
          {"mountpoint", "/mnt"}
        }) {
      assertThatThrownBy(() -> driver.set("strata/1", bad[0], bad[1]))
          .as(bad[0] + "=" + bad[1])
          .isInstanceOf(InvalidArgumentException.class);
    }
    assertThatThrownBy(() -> driver.set("strata/9", "dedup", "on"))
        .isInstanceOf(NotFoundException.class);
    assertThatThrownBy(() -> driver.set("strata/1@1", "dedup", "on"))
        .isInstanceOf(InvalidArgumentException.class);
    driver.set("strata/1", "compression", "ZSTD-07");
    driver.set("strata/1", "recordsize", "1m");
    assertThat(driver.get("strata/1", "compression").value()).isEqualTo("zstd-7");
    assertThat(driver.get("strata/1", "recordsize").value()).isEqualTo("1M");
  }
}
