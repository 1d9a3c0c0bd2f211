package io.strata.driver.btrfs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.strata.store.driver.Drivers;
import io.strata.store.driver.StorageDriver;
import io.strata.store.error.ConflictException;
import io.strata.store.error.CorruptDataException;
import io.strata.store.error.InvalidArgumentException;
import io.strata.store.error.NotFoundException;
import io.strata.store.fs.AccessTimes;
import io.strata.store.fs.FileSystemView;
import io.strata.store.testing.TestData;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

class BtrfsDriverTest {
  private static final int MIB = 1 << 20;

  /** What a few KiB of new data may add in tree nodes and record framing. */
  private static final long NODE_OVERHEAD = 64 << 10;

  @TempDir Path tmp;
  private Fixture f;

  @BeforeEach
  void open() throws IOException {
    f = Fixture.open(tmp);
  }

  @AfterEach
  void close() throws IOException {
    f.close();
  }

  private BtrfsDriver driver() {
    return f.driver();
  }

  /** A committed layer {@code layer} holding {@code /big}, and an active child {@code c}. */
  private byte[] layerWithBigFile(int size) throws IOException {
    byte[] big = TestData.random(7, size);
    driver().prepare("base", null, Map.of());
    driver().fs("base").writeFile("/big", new ByteArrayInputStream(big), 0644, 0, 0, 0);
    driver().commit("layer", "base");
    driver().prepare("c", "layer", Map.of());
    return big;
  }

  private static byte[] readAll(FileSystemView fs, String path) throws IOException {
    try (InputStream in = fs.open(path)) {
      return in.readAllBytes();
    }
  }

  /**
   * Directories report st_nlink 1 and st_size twice the sum of their entries' name lengths, as
   * Btrfs does (measured on a real Btrfs: mkdir d; touch d/abc; mkdir d/sub gives 1 and 12).
   */
  @Test
  void directoriesCountAsBtrfsDoes() throws IOException {
    driver().prepare("d", null, Map.of());
    FileSystemView fs = driver().fs("d");
    assertThat(List.of(fs.stat("/").nlink(), fs.stat("/").size())).containsExactly(1, 0L);
    fs.mkdir("/d", 0755);
    fs.writeFile("/d/abc", new ByteArrayInputStream(new byte[5]), 0644, 0, 0, 0);
    fs.mkdir("/d/sub", 0755);
    fs.link("/d/abc", "/d/hardlink");
    assertThat(List.of(fs.stat("/d").nlink(), fs.stat("/d").size())).containsExactly(1, 28L);
    fs.rename("/d/hardlink", "/d/h");
    fs.rename("/d/sub", "/sub2");
    assertThat(fs.stat("/d").size()).isEqualTo(8L);
    assertThat(fs.stat("/").size()).isEqualTo(10L);
    assertThat(fs.list("/").get(0).stat().size()).as("listing agrees").isEqualTo(8L);
    fs.remove("/d", true);
    assertThat(List.of(fs.stat("/").nlink(), fs.stat("/").size())).containsExactly(1, 8L);
  }

  @Test
  void aFourKibWriteIntoAnEightMibFileStoresAboutFourKib() throws IOException {
    byte[] big = layerWithBigFile(8 * MIB);
    byte[] block = TestData.random(8, 4096);
    long before = f.storedBytes();

    driver().fs("c").write("/big", 3 * MIB, block, 0, block.length);

    long added = f.storedBytes() - before;
    assertThat(added).isBetween(4096L, 4096 + NODE_OVERHEAD);
    assertThat(driver().usage("c").exclusiveBytes()).isBetween(4096L, 4096 + NODE_OVERHEAD);
    // One block of data plus its pack record framing: the extent tree is metadata.
    assertThat(driver().dataExclusiveBytes("c")).isBetween(4096L, 4096L + 128);
    byte[] expected = big.clone();
    System.arraycopy(block, 0, expected, 3 * MIB, block.length);
    assertThat(readAll(driver().fs("c"), "/big")).isEqualTo(expected);
    assertThat(readAll(driver().fs("layer"), "/big")).isEqualTo(big);
  }

  /**
   * Written bytes (what ps shows) charge each container for its own 4 KiB, even when another wrote
   * the same bytes, as Btrfs charges exclusive extents; usage's exclusive bytes see the sharing.
   */
  @Test
  void writtenBytesDoNotMoveWhenAnotherContainerWritesTheSameBytes() throws IOException {
    layerWithBigFile(8 * MIB);
    driver().prepare("c2", "layer", Map.of());
    byte[] patch = TestData.random(8, 4096);
    driver().fs("c").write("/big", MIB, patch, 0, patch.length);
    assertThat(driver().written("c")).isEqualTo(4096);
    long alone = driver().usage("c").exclusiveBytes();
    driver().fs("c2").write("/big", MIB, patch, 0, patch.length);
    assertThat(driver().written("c")).isEqualTo(4096);
    assertThat(driver().written("c2")).isEqualTo(4096);
    assertThat(driver().usage("c").exclusiveBytes())
        .as("the chunk is shared now: usage sees the dedup")
        .isLessThan(alone);
    assertThat(driver().written("layer")).isEqualTo(8 * MIB);
  }

  @Test
  void anUnalignedWriteStoresTheBlocksItTouches() throws IOException {
    byte[] big = layerWithBigFile(8 * MIB);
    byte[] small = TestData.random(9, 100);
    long at = 5L * MIB + 4000; // crosses a block boundary: two blocks

    driver().fs("c").write("/big", at, small, 0, small.length);

    assertThat(driver().dataExclusiveBytes("c")).isBetween(8192L, 8192L + 128);
    byte[] expected = big.clone();
    System.arraycopy(small, 0, expected, (int) at, small.length);
    assertThat(readAll(driver().fs("c"), "/big")).isEqualTo(expected);
  }

  @Test
  void writesPastTheEndLeaveHolesThatReadAsZeros() throws IOException {
    driver().prepare("c", null, Map.of());
    FileSystemView fs = driver().fs("c");
    long before = f.storedBytes();

    fs.write("/sparse", 10L * MIB, new byte[] {42}, 0, 1);
    fs.truncate("/sparse", 20L * MIB);

    assertThat(f.storedBytes() - before).isLessThan(NODE_OVERHEAD);
    byte[] all = readAll(fs, "/sparse");
    assertThat(all).hasSize(20 * MIB);
    byte[] expected = new byte[20 * MIB];
    expected[10 * MIB] = 42;
    assertThat(all).isEqualTo(expected);
  }

  @Test
  void truncatedBytesDoNotComeBackWhenTheFileGrows() throws IOException {
    driver().prepare("c", null, Map.of());
    FileSystemView fs = driver().fs("c");
    byte[] data = TestData.random(3, 3 * MIB);
    fs.writeFile("/f", new ByteArrayInputStream(data), 0644, 0, 0, 0);

    fs.truncate("/f", 1000);
    fs.truncate("/f", 2 * MIB);

    byte[] expected = new byte[2 * MIB];
    System.arraycopy(data, 0, expected, 0, 1000);
    assertThat(readAll(fs, "/f")).isEqualTo(expected);
  }

  @Test
  void reflinkSharesTheSourceChunks() throws IOException {
    driver().prepare("c", null, Map.of());
    FileSystemView fs = driver().fs("c");
    byte[] data = TestData.random(4, 3 * MIB);
    fs.writeFile("/a", new ByteArrayInputStream(data), 0750, 12, 34, 0);
    fs.write("/a", MIB + 10, new byte[] {1, 2, 3}, 0, 3); // the source has split extents too
    data[MIB + 10] = 1;
    data[MIB + 11] = 2;
    data[MIB + 12] = 3;
    long chunksBefore = driver().usage("c").chunks();
    long dataBefore = driver().dataExclusiveBytes("c");
    long before = f.storedBytes();

    driver().reflink("c", "/a", "/b");

    assertThat(f.storedBytes() - before).isLessThan(NODE_OVERHEAD);
    assertThat(driver().dataExclusiveBytes("c")).isEqualTo(dataBefore);
    assertThat(driver().usage("c").chunks()).isLessThan(chunksBefore + 8);
    assertThat(readAll(fs, "/b")).isEqualTo(data);
    assertThat(fs.stat("/b").permissions()).isEqualTo(0750);
    assertThat(fs.stat("/b").uid()).isEqualTo(12);

    // The copies are independent: a write to one leaves the other alone.
    fs.write("/b", 0, new byte[] {9}, 0, 1);
    assertThat(readAll(fs, "/a")).isEqualTo(data);
    assertThat(readAll(fs, "/b")[0]).isEqualTo((byte) 9);
  }

  @Test
  void reflinkSurvivesAReopen() throws IOException {
    driver().prepare("c", null, Map.of());
    byte[] data = TestData.text(5, 2 * MIB);
    driver().fs("c").writeFile("/a", new ByteArrayInputStream(data), 0644, 0, 0, 0);
    driver().reflink("c", "/a", "/b");

    f.reopen();

    assertThat(readAll(driver().fs("c"), "/b")).isEqualTo(data);
  }

  @Test
  void reflinkRefusals() throws IOException {
    driver().prepare("base", null, Map.of());
    FileSystemView fs = driver().fs("base");
    fs.writeFile("/a", new ByteArrayInputStream(new byte[10]), 0644, 0, 0, 0);
    fs.mkdir("/d", 0755);

    assertThatThrownBy(() -> driver().reflink("base", "/missing", "/b"))
        .isInstanceOf(NotFoundException.class);
    assertThatThrownBy(() -> driver().reflink("base", "/d", "/b"))
        .isInstanceOf(InvalidArgumentException.class);
    assertThatThrownBy(() -> driver().reflink("base", "/a", "/d"))
        .isInstanceOf(ConflictException.class);
    assertThatThrownBy(() -> driver().reflink("nope", "/a", "/b"))
        .isInstanceOf(NotFoundException.class);
    driver().commit("layer", "base");
    assertThatThrownBy(() -> driver().reflink("layer", "/a", "/b"))
        .isInstanceOf(ConflictException.class);
    assertThat(driver().fs("layer").exists("/b")).isFalse();
  }

  @Test
  void subvolumesGetIdsGenerationsAndParentLinks() throws IOException {
    driver().prepare("base", null, Map.of());
    Subvolume base = driver().subvolume("base");
    assertThat(base.id()).isEqualTo(256);
    assertThat(base.parentId()).isZero();
    assertThat(base.parentUuid()).isNull();
    assertThat(base.readOnly()).isFalse();
    assertThat(base.generation()).isEqualTo(base.createdGeneration());

    driver().sync(); // else the write joins the transaction that created it
    driver().fs("base").write("/x", 0, new byte[] {1}, 0, 1);
    driver().sync();
    Subvolume written = driver().subvolume("base");
    assertThat(written.generation()).isGreaterThan(base.generation());
    assertThat(written.createdGeneration()).isEqualTo(base.createdGeneration());

    driver().commit("layer", "base");
    Subvolume layer = driver().subvolume("layer");
    assertThat(layer.id()).isEqualTo(256);
    assertThat(layer.uuid()).isEqualTo(base.uuid());
    assertThat(layer.readOnly()).isTrue();
    assertThat(layer.path()).isEqualTo("layer");
    assertThat(layer.generation())
        .as("setting ro leaves gen alone, as btrfs property set does")
        .isEqualTo(written.generation());

    driver().prepare("c", "layer", Map.of());
    driver().view("v", "layer", Map.of());
    Subvolume c = driver().subvolume("c");
    Subvolume v = driver().subvolume("v");
    assertThat(c.id()).isEqualTo(257);
    assertThat(c.parentId()).isEqualTo(256);
    assertThat(c.parentUuid()).isEqualTo(layer.uuid());
    assertThat(c.readOnly()).isFalse();
    assertThat(v.id()).isEqualTo(258);
    assertThat(v.parentUuid()).isEqualTo(layer.uuid());
    assertThat(v.readOnly()).isTrue();
    assertThat(v.generation()).isEqualTo(c.generation() + 1).isEqualTo(v.createdGeneration());
    // Each snapshot commits a transaction, which gives its source the same gen.
    assertThat(driver().subvolume("layer").generation()).isEqualTo(v.generation());
    layer = driver().subvolume("layer");

    f.reopen();

    assertThat(driver().subvolume("layer")).isEqualTo(layer);
    assertThat(driver().subvolume("c")).isEqualTo(c);
    assertThat(driver().subvolume("v")).isEqualTo(v);
    driver().prepare("d", "layer", Map.of());
    assertThat(driver().subvolume("d").id()).isEqualTo(259);
    assertThat(driver().subvolume("d").generation()).isGreaterThan(v.generation());
  }

  /**
   * Generations are transactions, as a real Btrfs showed them for this sequence (kernel 6.x,
   * btrfs-progs 6.x; offsets from the first subvolume's cgen): changes join the running transaction
   * and show in gen once it commits (sync, a snapshot, or 30 s), a snapshot commits and gives its
   * source its number, setting ro changes nothing, and a new subvolume takes the running number at
   * once.
   */
  @Test
  void generationsAdvancePerTransactionNotPerWrite() throws IOException {
    driver().prepare("A", null, Map.of());
    long g = driver().subvolume("A").createdGeneration();
    assertThat(gens()).isEqualTo("A 0/0");
    driver().sync();
    assertThat(gens()).isEqualTo("A 0/0");
    for (int i = 0; i < 3; i++) {
      driver().fs("A").write("/f" + i, 0, new byte[12 << 10], 0, 12 << 10);
      assertThat(gens()).as("a write is not a transaction").isEqualTo("A 0/0");
    }
    driver().sync();
    assertThat(gens()).isEqualTo("A 1/0");
    driver().snapshot("A", "B", false);
    assertThat(gens()).isEqualTo("A 2/0 B 2/2");
    driver().fs("B").write("/y", 0, new byte[] {'x', '\n'}, 0, 2);
    assertThat(gens()).isEqualTo("A 2/0 B 2/2");
    driver().sync();
    assertThat(gens()).isEqualTo("A 2/0 B 3/2");
    driver().snapshot("A", "R", true);
    assertThat(gens()).isEqualTo("A 4/0 B 3/2 R 4/4");
    driver().snapshot("R", "C", false);
    assertThat(gens()).isEqualTo("A 4/0 B 3/2 C 5/5 R 5/4");
    driver().prepare("D", null, Map.of());
    assertThat(gens()).isEqualTo("A 4/0 B 3/2 C 5/5 D 6/6 R 5/4");

    // The running transaction commits by itself after 30 s with changes, as Btrfs's commit=30.
    driver().fs("D").write("/z", 0, new byte[] {1}, 0, 1);
    assertThat(driver().subvolume("D").generation() - g).isEqualTo(6);
    f.advance(Counters.COMMIT_INTERVAL_NANOS);
    assertThat(driver().subvolume("D").generation() - g).isEqualTo(6);
    driver().fs("D").write("/z", 0, new byte[] {2}, 0, 1); // 7 is running, D takes it
    assertThat(gens()).isEqualTo("A 4/0 B 3/2 C 5/5 D 6/6 R 5/4");
    f.advance(Counters.COMMIT_INTERVAL_NANOS);
    assertThat(gens()).isEqualTo("A 4/0 B 3/2 C 5/5 D 7/6 R 5/4");

    // A restart commits what was running; nothing is numbered twice.
    driver().fs("B").write("/y", 0, new byte[] {3}, 0, 1);
    f.reopen();
    assertThat(gens()).isEqualTo("A 4/0 B 8/2 C 5/5 D 7/6 R 5/4");
    driver().fs("A").write("/w", 0, new byte[] {4}, 0, 1);
    driver().sync();
    assertThat(driver().subvolume("A").generation() - g).isEqualTo(9);
  }

  /**
   * {@code btrfs filesystem du -s --raw}, with the figures a real Btrfs (mounted with max_inline=0)
   * printed for the same steps: a 20,000-byte file, a hard link (one inode), a 10-byte overwrite (a
   * new 4 KiB extent; the old one is still the file's only), a snapshot (everything shared), a
   * reflink copy (shared within the subvolume).
   */
  @Test
  void filesystemDuCountsTotalExclusiveAndSetSharedAsBtrfsProgs() throws IOException {
    driver().prepare("E", null, Map.of());
    FileSystemView fs = driver().fs("E");
    fs.write("/mid", 0, TestData.random(60, 3000), 0, 3000);
    fs.write("/big", 0, TestData.random(61, 20_000), 0, 20_000);
    assertThat(driver().filesystemDu("E")).isEqualTo(new FilesystemDu.Usage(24576, 24576, 0));
    fs.write("/big", 5000, TestData.random(62, 10), 0, 10);
    fs.link("/big", "/big2");
    assertThat(driver().filesystemDu("E")).isEqualTo(new FilesystemDu.Usage(24576, 24576, 0));

    driver().snapshot("E", "S", true);
    assertThat(driver().filesystemDu("E")).isEqualTo(new FilesystemDu.Usage(24576, 0, 24576));
    fs.write("/big", 5000, TestData.random(63, 10), 0, 10);
    assertThat(driver().filesystemDu("E"))
        .as("the rewritten block is the subvolume's own; the rest of the old extent is shared")
        .isEqualTo(new FilesystemDu.Usage(24576, 4096, 20480));
    assertThat(driver().filesystemDu("S"))
        .as("S alone has the first overwrite's block; its big extent E still references in part")
        .isEqualTo(new FilesystemDu.Usage(24576, 4096, 20480));
    driver().delete("S");
    assertThat(driver().filesystemDu("E")).isEqualTo(new FilesystemDu.Usage(24576, 24576, 0));

    driver().reflink("E", "/big", "/big3");
    assertThat(driver().filesystemDu("E")).isEqualTo(new FilesystemDu.Usage(45056, 4096, 20480));
  }

  /**
   * A layer's file, imported as content-defined chunks that do not start on blocks, and shared with
   * the container above it: as a real Btrfs prints for a snapshotted file of that size (btrfs-progs
   * 6.2: a 1,982,262-byte file gives Total = Set shared = 1,982,464), every block is counted once,
   * Set shared never above Total (docs/ADVERSARIAL.md, Z4).
   */
  @Test
  @Timeout(60)
  void filesystemDuOfAnImportedLayerCountsEachBlockOnce() throws IOException {
    int size = 1_982_262;
    layerWithBigFile(size);
    long blocks = (size + 4095L) / 4096 * 4096;
    assertThat(blocks).isEqualTo(1_982_464);
    assertThat(driver().filesystemDu("layer")).isEqualTo(new FilesystemDu.Usage(blocks, 0, blocks));
    assertThat(driver().filesystemDu("c")).isEqualTo(new FilesystemDu.Usage(blocks, 0, blocks));
  }

  /**
   * A file grown from the middle of a block, with the figures a real Btrfs (kernel 6.18, mounted
   * with max_inline=0, each write fsynced) printed: three 5,000-byte files and a snapshot; then
   * {@code /t} truncated up to 20,000 (Btrfs zeroes the old last block's tail: a new extent), a
   * write at 12,288 into {@code /w} (the zeroed block and the write are two extents) and one at
   * 8,192 into {@code /c} (the zeroed block and the write are adjacent: one extent). A second
   * snapshot, then block 2 of {@code /c} rewritten: as its old extent also holds block 1, which the
   * subvolume still references, the second snapshot keeps nothing exclusive.
   */
  @Test
  @Timeout(60)
  void filesystemDuOfFilesGrownFromTheMiddleOfABlockIsBtrfs() throws IOException {
    driver().prepare("v", null, Map.of());
    FileSystemView fs = driver().fs("v");
    for (String name : List.of("/t", "/w", "/c")) {
      fs.write(name, 0, TestData.random(name.charAt(1), 5000), 0, 5000);
    }
    driver().snapshot("v", "s", false);
    fs.truncate("/t", 20_000);
    fs.write("/w", 12_288, TestData.random(70, 100), 0, 100);
    fs.write("/c", 8192, TestData.random(71, 100), 0, 100);
    assertThat(driver().filesystemDu("v")).isEqualTo(new FilesystemDu.Usage(32768, 20480, 12288));
    assertThat(driver().filesystemDu("s")).isEqualTo(new FilesystemDu.Usage(24576, 0, 24576));

    driver().snapshot("v", "s2", false);
    fs.write("/c", 8192, TestData.random(72, 100), 0, 100);
    assertThat(driver().filesystemDu("v")).isEqualTo(new FilesystemDu.Usage(32768, 4096, 28672));
    assertThat(driver().filesystemDu("s2")).isEqualTo(new FilesystemDu.Usage(32768, 0, 32768));

    byte[] t = readAll(fs, "/t");
    assertThat(Arrays.copyOfRange(t, 5000, 20_000)).as("zeros past the old end").containsOnly(0);
    assertThat(Arrays.copyOf(t, 5000)).isEqualTo(TestData.random('t', 5000));
    byte[] w = readAll(fs, "/w");
    assertThat(w).hasSize(12_388);
    assertThat(Arrays.copyOfRange(w, 5000, 12_288)).containsOnly(0);
  }

  /**
   * Reads change access times as Linux's default relatime mount of a Btrfs does: the first read
   * after a change sets atime (not ctime), later ones within a day do not, and a read-only snapshot
   * never changes. What reads set is written with the next change.
   */
  @Test
  @Timeout(60)
  void readsChangeAccessTimesByRelatimeAsLinuxMountsBtrfs() throws IOException {
    driver().prepare("r", null, Map.of());
    FileSystemView fs = driver().fs("r");
    fs.write("/f", 0, new byte[] {1, 2, 3}, 0, 3);
    fs.setTimes("/f", 1_000_000_000L, 1_000_000_000L);
    io.strata.store.fs.FileStat before = fs.stat("/f");
    readAll(fs, "/f");
    io.strata.store.fs.FileStat read = fs.stat("/f");
    assertThat(read.atimeNanos()).isGreaterThan(before.ctimeNanos());
    assertThat(read.ctimeNanos()).isEqualTo(before.ctimeNanos());
    assertThat(read.mtimeNanos()).isEqualTo(before.mtimeNanos());
    readAll(fs, "/f");
    assertThat(fs.stat("/f").atimeNanos()).as("relatime: once").isEqualTo(read.atimeNanos());
    f.advance(AccessTimes.DAY_NANOS);
    readAll(fs, "/f");
    long dayLater = fs.stat("/f").atimeNanos();
    assertThat(dayLater).as("a day later").isGreaterThan(read.atimeNanos() + AccessTimes.DAY_NANOS);

    fs.mkdir("/d", 0755); // a change: the access time goes with it
    f.reopen();
    assertThat(driver().fs("r").stat("/f").atimeNanos()).isEqualTo(dayLater);

    fs = driver().fs("r");
    fs.write("/g", 0, new byte[] {4}, 0, 1);
    long unread = fs.stat("/g").atimeNanos();
    driver().commit("layer", "r");
    driver().view("look", "layer", Map.of());
    // a layer being built: only Strata reads it back, as Docker never reads back what it extracted
    String building = io.strata.store.image.layer.LayerStore.TMP + "x";
    driver().prepare(building, "layer", Map.of());
    for (String key : List.of("layer", "look", building)) {
      readAll(driver().fs(key), "/g");
      driver().fs(key).list("/");
      assertThat(driver().fs(key).stat("/g").atimeNanos()).as(key).isEqualTo(unread);
    }
  }

  /** Every subvolume as {@code path gen/cgen}, both relative to the first one's cgen. */
  private String gens() {
    List<Map<String, Object>> rows = driver().nativeListing();
    long g = (Long) rows.get(0).get("cgen");
    StringBuilder b = new StringBuilder();
    rows.stream()
        .sorted(java.util.Comparator.comparing(r -> (String) r.get("path")))
        .forEach(
            r ->
                b.append(b.length() == 0 ? "" : " ")
                    .append(r.get("path"))
                    .append(' ')
                    .append((Long) r.get("gen") - g)
                    .append('/')
                    .append((Long) r.get("cgen") - g));
    return b.toString();
  }

  /**
   * As Btrfs: a writable subvolume can be snapshotted (its changes so far are in the snapshot), and
   * a subvolume with snapshots can be deleted, which keep their files and parent_uuid (#14 item 9).
   */
  @Test
  void writableSubvolumesAreSnapshottedAndSubvolumesWithSnapshotsDeleted() throws IOException {
    driver().prepare("rw", null, Map.of());
    FileSystemView rw = driver().fs("rw");
    rw.deferSync(true); // a pending change is part of the snapshot all the same
    rw.write("/a", 0, new byte[] {1, 2, 3}, 0, 3);
    driver().snapshot("rw", "snap", false);
    driver().snapshot("rw", "ro", true);
    rw.deferSync(false);
    rw.write("/b", 0, new byte[] {4}, 0, 1);

    assertThat(readAll(driver().fs("snap"), "/a")).containsExactly(1, 2, 3);
    assertThat(driver().fs("snap").exists("/b")).isFalse();
    assertThat(driver().fs("ro").readOnly()).isTrue();
    Subvolume source = driver().subvolume("rw");
    assertThat(driver().subvolume("snap").parentUuid()).isEqualTo(source.uuid());
    assertThat(driver().subvolume("ro").readOnly()).isTrue();
    driver().fs("snap").write("/c", 0, new byte[] {5}, 0, 1);
    assertThat(driver().fs("rw").exists("/c")).isFalse();

    // a committed layer with a container snapshotted from it
    driver().commit("layer", "rw");
    driver().prepare("ctr", "layer", Map.of());
    assertThatThrownBy(() -> driver().remove("layer")).isInstanceOf(ConflictException.class);
    driver().delete("layer");
    assertThatThrownBy(() -> driver().stat("layer")).isInstanceOf(NotFoundException.class);
    assertThat(readAll(driver().fs("ctr"), "/b")).containsExactly(4);
    assertThat(driver().stat("ctr").parent()).isNull();
    assertThat(driver().subvolume("ctr").parentUuid()).isEqualTo(source.uuid());
    f.reopen();
    assertThat(readAll(driver().fs("ctr"), "/a")).containsExactly(1, 2, 3);
    assertThat(driver().subvolume("ctr").parentUuid()).isEqualTo(source.uuid());
    assertThatThrownBy(() -> driver().snapshot("nope", "x", false))
        .isInstanceOf(NotFoundException.class);
  }

  @Test
  void idsAndGenerationsNeverGoBackAfterTheNewestSubvolumeIsRemoved() throws IOException {
    driver().prepare("a", null, Map.of());
    driver().prepare("b", null, Map.of());
    for (int i = 0; i < 5; i++) {
      driver().fs("b").write("/x", i, new byte[] {1}, 0, 1);
    }
    Subvolume b = driver().subvolume("b");
    driver().remove("b");

    f.reopen();

    driver().prepare("c", null, Map.of());
    Subvolume c = driver().subvolume("c");
    assertThat(c.id()).isGreaterThan(b.id());
    assertThat(c.generation()).isGreaterThan(b.generation());
  }

  @Test
  void aDamagedCounterFileIsReported() throws IOException {
    driver().prepare("a", null, Map.of());
    driver().remove("a");
    f.close();
    Path counters = tmp.resolve("btrfs").resolve("counters");
    byte[] b = Files.readAllBytes(counters);
    b[7] ^= 1;
    Files.write(counters, b);

    assertThatThrownBy(() -> f.reopen()).isInstanceOf(CorruptDataException.class);
    f = Fixture.open(tmp.resolve("fresh")); // for close()
  }

  @Test
  void nativeListingIsBtrfsSubvolumeList() throws IOException {
    driver().prepare("base", null, Map.of());
    driver().commit("layer", "base");
    driver().prepare("container-1", "layer", Map.of());

    List<Map<String, Object>> list = driver().nativeListing();

    assertThat(list).hasSize(2);
    assertThat(list.get(0).keySet())
        .containsExactly(
            "ID",
            "gen",
            "cgen",
            "top level",
            "parent",
            "parent_uuid",
            "uuid",
            "readonly",
            "otime",
            "path");
    assertThat(list).extracting(m -> m.get("ID")).containsExactly(256L, 257L);
    assertThat(list).extracting(m -> m.get("path")).containsExactly("layer", "container-1");
    assertThat(list.get(1).get("parent")).isEqualTo(256L);
    assertThat(list.get(1).get("parent_uuid")).isEqualTo(list.get(0).get("uuid"));
    assertThat(list.get(0).get("parent_uuid")).isEqualTo("-");
    long gen = driver().subvolume("container-1").generation();
    assertThat(SubvolumeList.line(list.get(1), false))
        .isEqualTo("ID 257 gen " + gen + " top level 5 path container-1");
    assertThat(SubvolumeList.line(list.get(1), true))
        .as("-p names the containing subvolume, as btrfs-progs does")
        .isEqualTo("ID 257 gen " + gen + " parent 5 top level 5 path container-1");
  }

  @Test
  void theEngineFindsTheDriverByName() throws IOException {
    f.close();
    f = Fixture.open(tmp.resolve("other"));
    assertThat(Drivers.available()).contains("btrfs");
    try (StorageDriver d = Drivers.open("btrfs", f.context())) {
      assertThat(d).isInstanceOf(BtrfsDriver.class);
      assertThat(d.name()).isEqualTo("btrfs");
    }
  }

  @Test
  void sequentialReadsMatchRandomReads() throws IOException {
    driver().prepare("c", null, Map.of());
    FileSystemView fs = driver().fs("c");
    byte[] data = TestData.text(6, 5 * MIB);
    fs.writeFile("/t", new ByteArrayInputStream(data), 0644, 0, 0, 0);
    for (int i = 0; i < 50; i++) {
      fs.write("/t", (long) i * 100_003, new byte[] {(byte) i}, 0, 1);
      data[i * 100_003] = (byte) i;
    }
    assertThat(readAll(fs, "/t")).isEqualTo(data);
    byte[] buf = new byte[7000];
    for (int at = 0; at < data.length; at += 333_333) {
      int n = fs.read("/t", at, buf, 0, buf.length);
      assertThat(Arrays.copyOf(buf, n))
          .isEqualTo(Arrays.copyOfRange(data, at, Math.min(data.length, at + buf.length)));
    }
  }
}
