package io.strata.driver.btrfs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.strata.store.digest.Digest;
import io.strata.store.driver.SnapshotSet;
import io.strata.store.fs.DirEntry;
import io.strata.store.fs.FileStat;
import io.strata.store.fs.FileSystemView;
import io.strata.store.fs.IntentLog;
import io.strata.store.fs.LoggedChanges;
import io.strata.store.fs.TreeFileSystem;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A mount's fsync writes its held changes to the snapshot's intent log instead of committing the
 * tree; after a crash the log is replayed onto the committed tree when the driver opens, and the
 * snapshot is what the fsync acknowledged: names, contents, modes, owners, times, links and
 * extended attributes alike (docs/MOUNTS.md, "Durability").
 */
@Timeout(120)
class IntentLogReplayTest {
  @TempDir Path dir;

  /** Everything stat, read, readlink and the xattr calls say about every path, in order. */
  private static Map<String, String> state(FileSystemView fs) throws IOException {
    Map<String, String> out = new TreeMap<>();
    walk(fs, "/", out);
    return out;
  }

  private static void walk(FileSystemView fs, String path, Map<String, String> out)
      throws IOException {
    FileStat st = fs.stat(path);
    StringBuilder b =
        new StringBuilder()
            .append(Integer.toOctalString(st.mode()))
            .append(' ')
            .append(st.uid())
            .append(':')
            .append(st.gid())
            .append(" n")
            .append(st.nlink())
            .append(" s")
            .append(st.size())
            .append(" m")
            .append(st.mtimeNanos())
            .append(" c")
            .append(st.ctimeNanos())
            .append(" i")
            .append(st.ino());
    for (String x : fs.listXattrs(path)) {
      b.append(' ').append(x).append('=').append(new String(fs.getXattr(path, x)));
    }
    if (st.isSymlink()) {
      b.append(" -> ").append(fs.readlink(path));
    } else if (st.isRegular()) {
      byte[] data = new byte[(int) st.size()];
      int n = fs.read(path, 0, data, 0, data.length);
      b.append(" sha ").append(java.util.Arrays.hashCode(java.util.Arrays.copyOf(data, n)));
    }
    out.put(path, b.toString());
    if (st.isDirectory()) {
      for (DirEntry e : fs.list(path)) {
        walk(fs, (path.equals("/") ? "" : path) + "/" + e.name(), out);
      }
    }
  }

  /** A mount's worth of changes of every kind, held (deferred) as a mount holds them. */
  private static void change(FileSystemView fs) throws IOException {
    Random r = new Random(29);
    fs.deferSync(true);
    fs.mkdirs("/etc/app/conf.d", 0755);
    for (int i = 0; i < 40; i++) {
      byte[] b = new byte[r.nextInt(20_000)];
      r.nextBytes(b);
      fs.write("/etc/app/f" + i, 0, b, 0, b.length);
    }
    byte[] page = new byte[4096];
    for (int i = 0; i < 30; i++) { // sqlite-like: pages rewritten in place
      r.nextBytes(page);
      fs.write("/db", (long) r.nextInt(8) * 4096, page, 0, page.length);
    }
    fs.write("/log", 0, "one\n".getBytes(StandardCharsets.UTF_8), 0, 4);
    fs.append("/log", "two\n".getBytes(StandardCharsets.UTF_8), 0, 4);
    fs.truncate("/etc/app/f3", 100);
    fs.truncate("/etc/app/f4", 50_000);
    fs.rename("/etc/app/f5", "/etc/app/conf.d/five");
    fs.rename("/etc/app/f6", "/etc/app/f7"); // over another file
    fs.link("/etc/app/f8", "/etc/app/eight");
    fs.symlink("../app/f9", "/etc/app/conf.d/nine");
    fs.mknod("/fifo", FileStat.S_IFIFO | 0600, 0);
    fs.mkdir("/tmp", 01777);
    fs.chmod("/etc/app/f10", 0600);
    fs.chown("/etc/app/f11", 1000, 1000);
    fs.setTimes("/etc/app/f12", 1_600_000_000_123_456_789L, 1_600_000_001_000_000_000L);
    fs.setXattr("/etc/app/f13", "user.k", "v".getBytes(StandardCharsets.UTF_8));
    fs.setXattr("/etc/app/f14", "user.gone", "x".getBytes(StandardCharsets.UTF_8));
    fs.removeXattr("/etc/app/f14", "user.gone");
    fs.remove("/etc/app/f15", false);
    fs.mkdirs("/var/lib/x/y", 0700);
    fs.remove("/var/lib", true);
  }

  @Test
  void whatAnFsyncLoggedIsThereAfterACrash() throws IOException {
    Map<String, String> acknowledged;
    try (Fixture f = Fixture.open(dir)) {
      f.driver().prepare("c", null, Map.of());
      FileSystemView fs = f.driver().fs("c");
      change(fs);
      fs.syncLogged();
      acknowledged = state(fs);
      assertThat(intentLogs()).as("the fsync wrote the intent log").hasSize(1);
      // owner-only, as the rest of the data root: it holds what containers wrote (AK1)
      assertThat(
              java.nio.file.attribute.PosixFilePermissions.toString(
                  Files.getPosixFilePermissions(intentLogs().get(0))))
          .isEqualTo("rw-------");
      assertThat(
              java.nio.file.attribute.PosixFilePermissions.toString(
                  Files.getPosixFilePermissions(intentLogs().get(0).getParent())))
          .isEqualTo("rwx------");
      // after the fsync, a change nobody made durable: gone with the crash
      fs.write("/unsynced", 0, new byte[] {1}, 0, 1);

      f.crash();

      FileSystemView after = f.driver().fs("c");
      assertThat(state(after)).isEqualTo(acknowledged);
      assertThat(after.exists("/unsynced")).isFalse();
      assertThat(intentLogs()).as("replayed and committed: no log left").isEmpty();

      // and it stays, without the log, after a clean stop
      f.reopen();
      assertThat(state(f.driver().fs("c"))).isEqualTo(acknowledged);
    }
  }

  @Test
  void aCommitOfTheTreeAfterTheFsyncIsNotReplayedAgain() throws IOException {
    try (Fixture f = Fixture.open(dir)) {
      f.driver().prepare("c", null, Map.of());
      FileSystemView fs = f.driver().fs("c");
      fs.deferSync(true);
      fs.write("/log", 0, "a\n".getBytes(StandardCharsets.UTF_8), 0, 2);
      fs.syncLogged();
      fs.sync(); // the periodic sync: the tree holds it now
      Path log = intentLogs().get(0);
      byte[] stale = Files.readAllBytes(log);
      fs.append("/log", "b\n".getBytes(StandardCharsets.UTF_8), 0, 2);
      fs.syncLogged();
      Map<String, String> acknowledged = state(fs);
      f.crash();
      assertThat(state(f.driver().fs("c"))).isEqualTo(acknowledged);

      // a log that starts from an older root (its restart lost to a crash) changes nothing
      f.crash(() -> Files.write(log, stale));
      assertThat(state(f.driver().fs("c"))).isEqualTo(acknowledged);
    }
  }

  @Test
  void aTornLastRecordIsTheUnacknowledgedAppendAndIsLeftOut() throws IOException {
    try (Fixture f = Fixture.open(dir)) {
      f.driver().prepare("c", null, Map.of());
      FileSystemView fs = f.driver().fs("c");
      fs.deferSync(true);
      fs.write("/a", 0, new byte[] {1, 2, 3}, 0, 3);
      fs.syncLogged();
      Map<String, String> acknowledged = state(fs);
      fs.write("/b", 0, new byte[] {4, 5, 6}, 0, 3);
      fs.syncLogged();
      Path log = intentLogs().get(0);
      byte[] whole = Files.readAllBytes(log);
      // cut inside the second record: the crash came before its fsync returned
      f.crash(() -> Files.write(log, java.util.Arrays.copyOf(whole, whole.length - 5)));
      FileSystemView after = f.driver().fs("c");
      assertThat(state(after)).isEqualTo(acknowledged);
    }
  }

  @Test
  void aLogThatCannotBeReplayedIsKeptAndItsSnapshotRefusedSayingWhy() throws IOException {
    try (Fixture f = Fixture.open(dir)) {
      f.driver().prepare("c", null, Map.of());
      FileSystemView fs = f.driver().fs("c");
      fs.deferSync(true);
      fs.mkdir("/d", 0755);
      fs.write("/d/x", 0, new byte[] {1}, 0, 1);
      fs.syncLogged();
      Path log = intentLogs().get(0);
      Digest root = ((TreeFileSystem) fs).committedRoot();
      List<byte[]> records = new ArrayList<>();
      LoggedChanges.read(log, root).forEach(records::add);
      assertThat(records).hasSize(2);
      // a log without its first change (mkdir /d) leaves the second nowhere to go: written
      // whole by hand from the second record alone, which no crash produces
      f.crash(
          () -> {
            Files.delete(log);
            try (IntentLog broken = new IntentLog(log)) {
              broken.restart(root);
              broken.hold(records.get(1));
              broken.force();
            }
          });
      assertThat(Files.exists(log)).as("kept").isTrue();
      assertThatThrownBy(() -> f.driver().fs("c"))
          .hasMessageContaining("snapshot c: its intent log")
          .hasMessageContaining("could not be replayed")
          .hasMessageContaining("write");
    }
  }

  /**
   * A log of version 1, which development builds of 2026-12-07 wrote (one header, records each with
   * its CRC), left by a crash of such a build: replayed by its own rules after the upgrade; one of
   * another root (left by a clean stop) is dropped, the snapshot opened.
   */
  @Test
  void aVersion1LogOfAnEarlierBuildIsReplayedAndAStaleOneDropped() throws IOException {
    try (Fixture f = Fixture.open(dir)) {
      f.driver().prepare("c", null, Map.of());
      FileSystemView fs = f.driver().fs("c");
      fs.deferSync(true);
      fs.mkdir("/d", 0755);
      fs.write("/d/x", 0, new byte[] {7, 8, 9}, 0, 3);
      fs.syncLogged();
      Map<String, String> acknowledged = state(fs);
      Path log = intentLogs().get(0);
      Digest root = ((TreeFileSystem) fs).committedRoot();
      List<byte[]> records = new ArrayList<>();
      LoggedChanges.read(log, root).forEach(records::add);
      byte[] committed = new byte[32];
      f.crash(() -> Files.write(log, version1("c", root.bytes(), records)));
      assertThat(state(f.driver().fs("c"))).isEqualTo(acknowledged);
      assertThat(intentLogs()).as("replayed and removed").isEmpty();

      Map<String, String> now = state(f.driver().fs("c"));
      f.crash(() -> Files.write(log, version1("c", committed, records)));
      assertThat(state(f.driver().fs("c"))).isEqualTo(now);
      assertThat(intentLogs()).isEmpty();
    }
  }

  /** A version 1 log: "STRINTL1" u32 1 u32 keyLength key root u32 crc, then CRC'd records. */
  private static byte[] version1(String key, byte[] root, List<byte[]> records) {
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    byte[] k = key.getBytes(StandardCharsets.UTF_8);
    java.nio.ByteBuffer h = java.nio.ByteBuffer.allocate(8 + 4 + 4 + k.length + 32 + 4);
    h.put("STRINTL1".getBytes(StandardCharsets.US_ASCII)).putInt(1).putInt(k.length).put(k);
    h.put(root);
    java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
    crc.update(h.array(), 0, h.position());
    h.putInt((int) crc.getValue());
    out.writeBytes(h.array());
    for (byte[] r : records) {
      java.nio.ByteBuffer rec = java.nio.ByteBuffer.allocate(4 + r.length + 4);
      rec.putInt(r.length).put(r);
      java.util.zip.CRC32C c = new java.util.zip.CRC32C();
      c.update(rec.array(), 0, 4 + r.length);
      rec.putInt((int) c.getValue());
      out.writeBytes(rec.array());
    }
    return out.toByteArray();
  }

  /** Three fsyncs, each a batch of its own; the state after each, and the log. */
  private record ThreeBatches(List<Map<String, String>> acknowledged, Path log, byte[] bytes) {}

  private static ThreeBatches threeBatches(Fixture f, Path root) throws IOException {
    f.driver().prepare("c", null, Map.of());
    FileSystemView fs = f.driver().fs("c");
    fs.deferSync(true);
    Random r = new Random(30);
    List<Map<String, String>> states = new ArrayList<>();
    for (int i = 1; i <= 3; i++) {
      byte[] b = new byte[6000]; // random: no sector of zeros in the batch, as a crash leaves
      r.nextBytes(b);
      fs.write("/f" + i, 0, b, 0, b.length);
      fs.syncLogged();
      states.add(state(fs));
    }
    Path log = logsIn(root).get(0);
    return new ThreeBatches(states, log, Files.readAllBytes(log));
  }

  /** Where the batches of an intent log start: at multiples of 4096 (docs/FORMAT.md). */
  private static List<Integer> batchStarts(byte[] log) {
    List<Integer> out = new ArrayList<>();
    for (int at = 0; at + 8 <= log.length; at += 4096) {
      if (new String(log, at, 8, StandardCharsets.ISO_8859_1).equals("STRINTL1")) {
        out.add(at);
      }
    }
    return out;
  }

  /** Opens {@code c} after a crash that left {@code log} as {@code bytes}. */
  private static void crashLeaving(Fixture f, Path log, byte[] bytes) throws IOException {
    f.crash(() -> Files.write(log, bytes));
  }

  private static byte[] flipped(byte[] b, int at) {
    byte[] out = b.clone();
    out[at] ^= 0x10;
    return out;
  }

  @Test
  void aChangedByteInTheOnlyBatchsHeaderRefusesTheSnapshotInsteadOfDroppingTheLog()
      throws IOException {
    // AK3: a flipped byte in the header (its root, its check) made the server take the log for
    // one torn at its creation and delete it with every acknowledged change
    for (int at : new int[] {0, 24, 60}) { // the magic, the root, the header's CRC
      Path d = dir.resolve("h" + at);
      try (Fixture f = Fixture.open(d)) {
        f.driver().prepare("c", null, Map.of());
        FileSystemView fs = f.driver().fs("c");
        fs.deferSync(true);
        byte[] b = new byte[3000];
        new Random(at).nextBytes(b);
        fs.write("/a", 0, b, 0, b.length);
        fs.syncLogged();
        Path log = logsIn(d).get(0);
        crashLeaving(f, log, flipped(Files.readAllBytes(log), at));
        assertThatThrownBy(() -> f.driver().fs("c"))
            .as("byte %d", at)
            .hasMessageContaining("batch 1 at byte 0 is damaged");
        assertThat(Files.exists(log)).as("kept").isTrue();
      }
    }
  }

  @Test
  void aDamagedBatchWithAWholeOneAfterItIsDamageNotTheLastAppend() throws IOException {
    // AK2: a bad record in the middle was taken for the unfinished last append and the intact
    // acknowledged ones after it dropped
    for (int way = 0; way < 2; way++) {
      Path d = dir.resolve("m" + way);
      try (Fixture f = Fixture.open(d)) {
        ThreeBatches t = threeBatches(f, d);
        List<Integer> starts = batchStarts(t.bytes());
        assertThat(starts).hasSize(3);
        int second = starts.get(1);
        byte[] b = t.bytes().clone();
        if (way == 0) {
          b[second + 30] ^= 0x10; // its root
        } else {
          // a sector of zeros, as a crash leaves an unwritten one: only batch 3 tells that
          // batch 2 was acknowledged
          Arrays.fill(b, second + 1024, second + 1536, (byte) 0);
        }
        crashLeaving(f, t.log(), b);
        var thrown =
            assertThatThrownBy(() -> f.driver().fs("c"))
                .hasMessageContaining("batch 2 at byte " + second + " is damaged");
        if (way == 1) {
          thrown.hasMessageContaining("batch 3 at byte " + starts.get(2) + " after it is whole");
        }
      }
    }
  }

  @Test
  void aLastBatchChangedWithEverySectorWrittenIsDamage() throws IOException {
    try (Fixture f = Fixture.open(dir)) {
      ThreeBatches t = threeBatches(f, dir);
      int last = batchStarts(t.bytes()).get(2);
      crashLeaving(f, t.log(), flipped(t.bytes(), last + 64 + 2000));
      assertThatThrownBy(() -> f.driver().fs("c"))
          .hasMessageContaining("batch 3 at byte " + last + " is damaged")
          .hasMessageContaining("every sector of it written");
    }
  }

  @Test
  void aLastBatchACrashLeftPartlyUnwrittenIsLeftOut() throws IOException {
    // what a crash during the last force leaves: a sector of it never written (zeros), its header
    // never written, or the file ending inside it
    for (int way = 0; way < 3; way++) {
      Path d = dir.resolve("t" + way);
      try (Fixture f = Fixture.open(d)) {
        ThreeBatches t = threeBatches(f, d);
        int last = batchStarts(t.bytes()).get(2);
        byte[] b = t.bytes().clone();
        switch (way) {
          case 0 -> Arrays.fill(b, last + 1024, last + 1536, (byte) 0);
          case 1 -> Arrays.fill(b, last, last + 512, (byte) 0);
          default -> b = Arrays.copyOf(b, last + 3000);
        }
        crashLeaving(f, t.log(), b);
        assertThat(state(f.driver().fs("c"))).as("way %d", way).isEqualTo(t.acknowledged().get(1));
      }
    }
  }

  @Test
  void whileItsLogIsRefusedNoCommitCopyDiffOrExportReadsTheSnapshotWithoutIt() throws IOException {
    // AK4: export and commit of the container went on without the log's changes
    try (Fixture f = Fixture.open(dir)) {
      ThreeBatches t = threeBatches(f, dir);
      int second = batchStarts(t.bytes()).get(1);
      crashLeaving(f, t.log(), flipped(t.bytes(), second + 64 + 100));
      BtrfsDriver d = f.driver();
      for (org.assertj.core.api.ThrowableAssert.ThrowingCallable refused :
          List.<org.assertj.core.api.ThrowableAssert.ThrowingCallable>of(
              () -> d.commit("layer", "c"),
              () -> d.frozenView("c.frozen", "c"),
              () -> d.diff("c", null),
              () -> d.fs("c"))) {
        assertThatThrownBy(refused).hasMessageContaining("snapshot c: its intent log");
      }
      assertThat(d.stat("c").kind().name()).isEqualTo("ACTIVE");
      // a figure about it is given from its stored tree, so that listings of every container go
      // on (AL1): nothing was committed before the crash, every file is the log's
      assertThat(d.written("c")).isZero();
      // removing it is how a user gives the changes up; a snapshot made again under the key
      // starts afresh
      d.remove("c");
      assertThat(intentLogs()).isEmpty();
      d.prepare("c", null, Map.of());
      assertThat(d.fs("c").exists("/f1")).isFalse();
    }
  }

  private List<Path> intentLogs() throws IOException {
    return logsIn(dir);
  }

  private static List<Path> logsIn(Path root) throws IOException {
    Path d = root.resolve("btrfs").resolve(SnapshotSet.INTENT_DIR);
    if (!Files.isDirectory(d)) {
      return List.of();
    }
    try (Stream<Path> s = Files.list(d)) {
      return s.toList();
    }
  }
}
