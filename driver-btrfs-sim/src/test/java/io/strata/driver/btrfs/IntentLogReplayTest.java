package io.strata.driver.btrfs;

import static org.assertj.core.api.Assertions.assertThat;

import io.strata.store.driver.SnapshotSet;
import io.strata.store.fs.DirEntry;
import io.strata.store.fs.FileStat;
import io.strata.store.fs.FileSystemView;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
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
      fs.syncLogged();
      fs.write("/d/x", 0, new byte[] {1}, 0, 1);
      fs.syncLogged();
      Path log = intentLogs().get(0);
      byte[] bytes = Files.readAllBytes(log);
      // a log whose first change (mkdir /d) is gone leaves the second nowhere to go; it is made
      // by hand here from the second record alone, which no crash produces
      List<Integer> starts = recordStarts(bytes);
      byte[] broken = new byte[starts.get(0) + (bytes.length - starts.get(1))];
      System.arraycopy(bytes, 0, broken, 0, starts.get(0));
      System.arraycopy(bytes, starts.get(1), broken, starts.get(0), bytes.length - starts.get(1));
      f.crash(() -> Files.write(log, broken));
      assertThat(Files.exists(log)).as("kept").isTrue();
      org.assertj.core.api.Assertions.assertThatThrownBy(() -> f.driver().fs("c"))
          .hasMessageContaining("snapshot c: its intent log")
          .hasMessageContaining("could not be replayed")
          .hasMessageContaining("write");
    }
  }

  /** Where each record of an intent log starts (after the header). */
  private static List<Integer> recordStarts(byte[] log) {
    java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(log);
    b.position(8 + 4);
    int keyLength = b.getInt();
    b.position(b.position() + keyLength + 32 + 4);
    List<Integer> out = new ArrayList<>();
    while (b.remaining() >= 8) {
      out.add(b.position());
      int length = b.getInt();
      b.position(b.position() + length + 4);
    }
    return out;
  }

  private List<Path> intentLogs() throws IOException {
    Path d = dir.resolve("btrfs").resolve(SnapshotSet.INTENT_DIR);
    if (!Files.isDirectory(d)) {
      return List.of();
    }
    try (Stream<Path> s = Files.list(d)) {
      return s.toList();
    }
  }
}
