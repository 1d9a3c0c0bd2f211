package io.strata.fuse;

import static io.strata.fuse.MountedSnapshot.ok;
import static io.strata.fuse.MountedSnapshot.run;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.ServerSocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserDefinedFileAttributeView;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A TreeFileSystem snapshot served through a real FUSE mount, driven with java.nio and ordinary
 * tools. Needs /dev/fuse and root: without them the tests fail, never skip.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class SnapshotFsTest {
  @TempDir Path dir;
  MountedSnapshot m;

  @BeforeAll
  static void fuse() {
    MountedSnapshot.requireFuse();
  }

  @BeforeEach
  void mount() throws IOException {
    m = MountedSnapshot.open(dir, driver());
  }

  /** The driver whose snapshots are mounted; subclasses run every case on another. */
  String driver() {
    return "btrfs";
  }

  @AfterEach
  void unmount() throws IOException {
    m.close();
  }

  private static byte[] random(long seed, int n) {
    byte[] b = new byte[n];
    new Random(seed).nextBytes(b);
    return b;
  }

  /**
   * A sparse file's holes take no blocks in {@code stat} and are found by {@code SEEK_HOLE} and
   * {@code SEEK_DATA}, so {@code du} counts what it stores and {@code cp} out of the mount makes a
   * sparse copy rather than write its zeros.
   */
  @Test
  void aSparseFileShowsItsHolesToStatLseekAndCp() throws Exception {
    Path f = m.path("sparse");
    try (FileChannel ch =
        FileChannel.open(f, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
      ch.write(ByteBuffer.wrap(random(2, 64 << 10)), 0);
      ch.write(ByteBuffer.wrap(random(3, 64 << 10)), 8 << 20);
    }
    ok("truncate -s 16M " + f);
    String script =
        "import os\n"
            + "fd = os.open('"
            + f
            + "', os.O_RDONLY)\n"
            + "def at(off, how):\n"
            + "  try:\n"
            + "    return os.lseek(fd, off, how)\n"
            + "  except OSError as e:\n"
            + "    return -e.errno\n"
            + "print(os.fstat(fd).st_blocks, at(0, os.SEEK_DATA), at(0, os.SEEK_HOLE),"
            + " at(65536, os.SEEK_DATA), at(8 << 20, os.SEEK_HOLE),"
            + " at((8 << 20) + 65536, os.SEEK_DATA), at(12 << 20, os.SEEK_HOLE))\n";
    Files.writeString(dir.resolve("seek.py"), script);
    String[] got = ok("python3 " + dir.resolve("seek.py")).trim().split(" ");
    // 128 KiB of data: 256 blocks of 512 bytes, not the 16 MiB of the size.
    assertThat(Long.parseLong(got[0])).isEqualTo(256);
    assertThat(Arrays.copyOfRange(got, 1, got.length))
        .containsExactly(
            "0",
            "65536",
            Integer.toString(8 << 20),
            Integer.toString((8 << 20) + 65536),
            "-6", // ENXIO: no data after the last extent
            Integer.toString(12 << 20));
    Path copy = dir.resolve("copy");
    ok("cp " + f + " " + copy);
    assertThat(Files.size(copy)).isEqualTo(16 << 20);
    assertThat(Long.parseLong(ok("stat -c %b " + copy).trim())).isLessThan(1024);
    assertThat(Files.readAllBytes(copy)).isEqualTo(Files.readAllBytes(f));
  }

  @Test
  void smallAndBigFilesReadBackThroughTheMountAndTheView() throws Exception {
    byte[] small = "hello, strata\n".getBytes(StandardCharsets.UTF_8);
    byte[] big = random(1, 24 << 20);
    Files.write(m.path("small"), small);
    Files.write(m.path("big"), big);

    assertThat(Files.readAllBytes(m.path("small"))).isEqualTo(small);
    assertThat(Files.readAllBytes(m.path("big"))).isEqualTo(big);
    assertThat(Files.size(m.path("big"))).isEqualTo(big.length);
    assertThat(m.mount.view().open("/big").readAllBytes()).isEqualTo(big);
    assertThat(ok("cat " + m.path("small"))).isEqualTo("hello, strata\n");
  }

  @Test
  void aFileAppendedInSmallWritesIsStoredOnce() throws Exception {
    byte[] data = random(3, 3_000_000);
    Path src = dir.resolve("src");
    Files.write(src, data);
    // 8 KiB writes, as a shell redirection makes them; each one ends inside a zfs record or an
    // extent that the next one extends.
    ok("dd if=" + src + " of=" + m.path("f") + " bs=8k status=none && sync " + m.path("f"));
    // Stat, read and write through other calls in between: each sees every byte written so far.
    ok("printf abc >> " + m.path("f") + " && stat -c %s " + m.path("f") + " | grep -x 3000003");
    assertThat(Files.readAllBytes(m.path("f"))).startsWith(data).endsWith("abc".getBytes());
    m.mount.sync(); // the periodic sync's commit: an fsync wrote the intent log

    // What the snapshot holds alone is the file's bytes once (random: no compression), not
    // every partial version of the records and extents it was written through.
    long held = m.driver().usage(MountedSnapshot.KEY).exclusiveBytes();
    assertThat(held).isBetween(3_000_000L, 3_300_000L);
  }

  /**
   * A file appended to in pieces with an fsync after each keeps its last piece in blocks while it
   * is written; once it stays idle the mount's periodic sync rewrites it as one chunk, so the same
   * bytes imported store nothing new on btrfs (docs/ADVERSARIAL.md, M4). On zfs, records are the
   * unit of both, and it holds as well.
   */
  @Test
  void anIdleFileAppendedInPiecesDeduplicatesWithItsImport() throws Exception {
    byte[] data = random(9, 36_000);
    try (FileChannel ch =
        FileChannel.open(m.path("log"), StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
      for (int at = 0; at < data.length; at += 9_000) {
        ch.write(ByteBuffer.wrap(data, at, 9_000));
        ch.force(true);
      }
    }
    m.mount.sync(); // the periodic sync's commit: the fsyncs wrote the intent log
    long written = m.engine.chunks().stats().storedBytes();
    // Two periodic syncs (5 s apart) see the file idle; the second rewrites its tail.
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(driver().equals("btrfs") ? 30 : 0);
    while (m.engine.chunks().stats().storedBytes() == written && System.nanoTime() < deadline) {
      Thread.sleep(250);
    }
    Thread.sleep(500); // the rewrite's sync
    long before = m.engine.chunks().stats().storedBytes();
    m.driver()
        .fs(MountedSnapshot.KEY)
        .writeFile("/imported", new java.io.ByteArrayInputStream(data), 0644, 0, 0, 0);
    m.driver().fs(MountedSnapshot.KEY).sync();
    assertThat(m.engine.chunks().stats().storedBytes() - before)
        .as("bytes the same content written whole added")
        .isLessThan(8 << 10);
    assertThat(Files.readAllBytes(m.path("log"))).isEqualTo(data);
  }

  @Test
  void writesAtRandomOffsetsLandWhereTheyWereMade() throws Exception {
    byte[] model = new byte[3 << 20];
    Random r = new Random(7);
    try (FileChannel ch =
        FileChannel.open(m.path("f"), StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
      for (int i = 0; i < 200; i++) {
        int len = 1 + r.nextInt(70_000);
        int off = r.nextInt(model.length - len);
        byte[] b = random(i, len);
        System.arraycopy(b, 0, model, off, len);
        ch.write(ByteBuffer.wrap(b), off);
      }
      ch.write(ByteBuffer.wrap(new byte[] {9}), model.length - 1);
      model[model.length - 1] = 9;
    }
    assertThat(Files.readAllBytes(m.path("f"))).isEqualTo(model);
    try (FileChannel ch = FileChannel.open(m.path("f"), StandardOpenOption.READ)) {
      ByteBuffer b = ByteBuffer.allocateDirect(4096);
      ch.read(b, 1_000_000);
      byte[] got = new byte[4096];
      b.flip().get(got);
      assertThat(got).isEqualTo(Arrays.copyOfRange(model, 1_000_000, 1_004_096));
    }
  }

  @Test
  void truncateCutsAndExtendsWithZeros() throws Exception {
    byte[] b = random(3, 100_000);
    Files.write(m.path("t"), b);
    try (RandomAccessFile f = new RandomAccessFile(m.path("t").toFile(), "rw")) {
      f.setLength(10_000);
    }
    assertThat(Files.readAllBytes(m.path("t"))).isEqualTo(Arrays.copyOf(b, 10_000));
    ok("truncate -s 50000 " + m.path("t"));
    assertThat(Files.readAllBytes(m.path("t")))
        .isEqualTo(Arrays.copyOf(Arrays.copyOf(b, 10_000), 50_000));
  }

  @Test
  void directoriesAreMadeAndRemovedWithTheRightErrors() throws Exception {
    Files.createDirectories(m.path("a/b/c"));
    Files.write(m.path("a/b/c/f"), new byte[] {1});
    assertThatThrownBy(() -> Files.delete(m.path("a/b/c")))
        .isInstanceOf(DirectoryNotEmptyException.class);
    assertThat(run("rm " + m.path("a/b")).out()).contains("Is a directory");
    assertThat(run("rmdir " + m.path("a/b/c/f")).out()).contains("Not a directory");
    assertThat(run("mkdir " + m.path("a")).out()).contains("File exists");
    assertThat(run("cat " + m.path("nothing")).out()).contains("No such file or directory");
    Files.delete(m.path("a/b/c/f"));
    Files.delete(m.path("a/b/c"));
    assertThat(Files.exists(m.path("a/b/c"))).isFalse();
    assertThat(ok("ls " + m.path("a"))).isEqualTo("b\n");
  }

  @Test
  void renameReplacesAnExistingTarget() throws Exception {
    Files.writeString(m.path("old"), "old");
    Files.writeString(m.path("new"), "new");
    Files.move(m.path("new"), m.path("old"), StandardCopyOption.ATOMIC_MOVE);
    assertThat(Files.readString(m.path("old"))).isEqualTo("new");
    assertThat(Files.exists(m.path("new"))).isFalse();
    Files.createDirectories(m.path("d1/x"));
    Files.createDirectories(m.path("d2"));
    ok("mv -T " + m.path("d1") + " " + m.path("d2"));
    assertThat(Files.isDirectory(m.path("d2/x"))).isTrue();
    Files.createDirectories(m.path("full/y"));
    Files.createDirectories(m.path("d3"));
    assertThat(run("mv -T " + m.path("d3") + " " + m.path("full")).out())
        .contains("Directory not empty");
  }

  @Test
  void symlinksReadBackAndResolveInsideTheMount() throws Exception {
    Files.writeString(m.path("target"), "here");
    Files.createSymbolicLink(m.path("link"), Path.of("target"));
    Files.createSymbolicLink(m.path("dangling"), Path.of("/nowhere/at/all"));
    assertThat(Files.readSymbolicLink(m.path("link"))).isEqualTo(Path.of("target"));
    assertThat(Files.readSymbolicLink(m.path("dangling"))).isEqualTo(Path.of("/nowhere/at/all"));
    assertThat(Files.readString(m.path("link"))).isEqualTo("here");
    assertThat(ok("readlink " + m.path("link"))).isEqualTo("target\n");
  }

  @Test
  void hardLinksShareOneInodeAndCountTheirNames() throws Exception {
    Files.writeString(m.path("f"), "shared");
    Files.createLink(m.path("g"), m.path("f"));
    ok("ln " + m.path("f") + " " + m.path("h"));
    Map<String, Object> f = Files.readAttributes(m.path("f"), "unix:ino,nlink");
    Map<String, Object> g = Files.readAttributes(m.path("g"), "unix:ino,nlink");
    assertThat(g.get("ino")).isEqualTo(f.get("ino"));
    assertThat(f.get("nlink")).isEqualTo(3);
    Files.writeString(m.path("h"), "changed");
    assertThat(Files.readString(m.path("g"))).isEqualTo("changed");
    Files.delete(m.path("f"));
    assertThat(Files.readAttributes(m.path("g"), "unix:nlink").get("nlink")).isEqualTo(2);
  }

  @Test
  void inodeNumbersAreStablePerPath() throws Exception {
    Files.writeString(m.path("f"), "x");
    Object before = Files.getAttribute(m.path("f"), "unix:ino");
    Files.writeString(m.path("other"), "y");
    Files.move(m.path("f"), m.path("moved"));
    assertThat(Files.getAttribute(m.path("moved"), "unix:ino")).isEqualTo(before);
    assertThat(Files.getAttribute(m.path("other"), "unix:ino")).isNotEqualTo(before);
  }

  @Test
  void modeOwnerAndTimesAreStoredAndShown() throws Exception {
    Files.writeString(m.path("f"), "x");
    Files.setPosixFilePermissions(m.path("f"), PosixFilePermissions.fromString("rwxr-x---"));
    ok("chown 1234:5678 " + m.path("f"));
    Files.setLastModifiedTime(m.path("f"), FileTime.fromMillis(1_000_000_000_123L));
    Files.getFileAttributeView(m.path("f"), java.nio.file.attribute.BasicFileAttributeView.class)
        .setTimes(
            FileTime.fromMillis(1_000_000_000_123L), FileTime.fromMillis(1_500_000_000_000L), null);
    Map<String, Object> a = Files.readAttributes(m.path("f"), "unix:*");
    assertThat(((Integer) a.get("mode")) & 07777).isEqualTo(0750);
    assertThat(a.get("uid")).isEqualTo(1234);
    assertThat(a.get("gid")).isEqualTo(5678);
    assertThat(((FileTime) a.get("lastModifiedTime")).toMillis()).isEqualTo(1_000_000_000_123L);
    assertThat(((FileTime) a.get("lastAccessTime")).toMillis()).isEqualTo(1_500_000_000_000L);
    var stored = m.mount.view().stat("/f");
    assertThat(stored.uid()).isEqualTo(1234);
    assertThat(stored.permissions()).isEqualTo(0750);
    ok("chmod u+s " + m.path("f"));
    assertThat(m.mount.view().stat("/f").permissions()).isEqualTo(04750);
  }

  @Test
  void extendedAttributesIncludingFileCapabilities() throws Exception {
    Files.writeString(m.path("f"), "x");
    UserDefinedFileAttributeView v =
        Files.getFileAttributeView(m.path("f"), UserDefinedFileAttributeView.class);
    v.write("color", ByteBuffer.wrap("blue".getBytes(StandardCharsets.UTF_8)));
    assertThat(v.list()).containsExactly("color");
    ByteBuffer got = ByteBuffer.allocate(v.size("color"));
    v.read("color", got);
    assertThat(new String(got.array(), StandardCharsets.UTF_8)).isEqualTo("blue");
    // cap_net_raw+ep, as setcap writes it (VFS_CAP_REVISION_2).
    String cap = "0x0000000200200000000000000000000000000000";
    ok("setfattr -n security.capability -v " + cap + " " + m.path("f"));
    assertThat(ok("getfattr -e hex -n security.capability " + m.path("f")))
        .contains("security.capability=" + cap);
    assertThat(m.mount.view().getXattr("/f", "security.capability")).hasSize(20);
    v.delete("color");
    assertThat(v.list()).isEmpty();
    assertThat(run("getfattr -n user.absent " + m.path("f")).out()).contains("No such attribute");
  }

  @Test
  void cpDashAAndTarRoundTripATree() throws Exception {
    Path src = Files.createDirectories(dir.resolve("src"));
    Files.createDirectories(src.resolve("etc/deep/er"));
    Files.write(src.resolve("etc/deep/er/data"), random(5, 300_000));
    Files.writeString(src.resolve("etc/conf"), "a=b\n");
    Files.setPosixFilePermissions(
        src.resolve("etc/conf"), PosixFilePermissions.fromString("rw-------"));
    Files.createSymbolicLink(src.resolve("etc/link"), Path.of("conf"));
    Files.createLink(src.resolve("etc/hard"), src.resolve("etc/conf"));
    ok("chown -h 42:43 " + src.resolve("etc/link"));
    ok("touch -d @1234567890 " + src.resolve("etc/deep/er/data"));

    ok("cp -a " + src + " " + m.path("copy"));
    ok("diff -r --no-dereference " + src + " " + m.path("copy"));
    // Directories' sizes and link counts are the file system's own; everything else must match.
    String listing =
        "cd %s && (find . -type d -printf '%%p %%m %%U %%G %%T@\\n';"
            + " find . ! -type d -printf '%%p %%m %%U %%G %%s %%T@ %%l %%n\\n') | sort";
    assertThat(ok(String.format(listing, m.path("copy"))))
        .isEqualTo(ok(String.format(listing, src)));

    Path back = Files.createDirectories(dir.resolve("back"));
    ok("tar --format=posix -C " + m.path("copy") + " -cf " + dir.resolve("t.tar") + " .");
    ok("tar -C " + back + " -xpf " + dir.resolve("t.tar"));
    assertThat(ok(String.format(listing, back))).isEqualTo(ok(String.format(listing, src)));
  }

  @Test
  void findCountsEveryName() throws Exception {
    int dirs = 20;
    int files = 40;
    for (int d = 0; d < dirs; d++) {
      Path p = Files.createDirectories(m.path("d" + d));
      for (int f = 0; f < files; f++) {
        Files.write(p.resolve("f" + f), new byte[] {(byte) f});
      }
    }
    assertThat(ok("find " + m.mountPoint + " | wc -l").trim())
        .isEqualTo(String.valueOf(1 + dirs + dirs * files));
  }

  @Test
  void mkfifoMakesAFifoThatTwoProcessesTalkThrough() throws Exception {
    ok("mkfifo -m 0640 " + m.path("fifo"));
    assertThat(ok("stat -c '%F %a %h' " + m.path("fifo"))).isEqualTo("fifo 640 1\n");
    assertThat(m.mount.view().stat("/fifo").isFifo()).isTrue();
    assertThat(ok("ls -l " + m.mountPoint)).startsWith("total").contains("prw-r-----");
    // A writer and a reader, each its own process, meet in the kernel's pipe. Each open blocks
    // until the other side opens; timeout bounds both should the FIFO not behave as one.
    String fifo = m.path("fifo").toString();
    Process reader =
        new ProcessBuilder("timeout", "60", "cat", fifo).redirectErrorStream(true).start();
    MountedSnapshot.Run writer = run("echo through the pipe | timeout 60 tee " + fifo);
    assertThat(writer.exit()).as(writer.out()).isZero();
    assertThat(reader.waitFor(60, TimeUnit.SECONDS)).as("reader ended").isTrue();
    assertThat(new String(reader.getInputStream().readAllBytes(), StandardCharsets.UTF_8))
        .isEqualTo("through the pipe\n");
    assertThat(reader.exitValue()).isZero();
    assertThat(m.mount.view().stat("/fifo").size()).as("nothing is stored").isZero();
    ok("rm " + m.path("fifo"));
    assertThat(Files.exists(m.path("fifo"), LinkOption.NOFOLLOW_LINKS)).isFalse();
  }

  @Test
  void mknodMakesDevicesWithTheirNumbersAndSurvivesARemount() throws Exception {
    ok("mknod -m 0666 " + m.path("null") + " c 1 3");
    ok("mknod -m 0660 " + m.path("sda1") + " b 8 1");
    ok("mknod " + m.path("big") + " c 511 70000");
    ok("chown 0:6 " + m.path("sda1"));
    String fmt = "stat -c '%n %F %a %t:%T %u:%g' ";
    assertThat(ok(fmt + m.path("null")))
        .isEqualTo(m.path("null") + " character special file 666 1:3 0:0\n");
    assertThat(ok(fmt + m.path("sda1")))
        .isEqualTo(m.path("sda1") + " block special file 660 8:1 0:6\n");
    // %t and %T are hexadecimal
    assertThat(ok("stat -c '%t:%T' " + m.path("big"))).isEqualTo("1ff:11170\n");
    // Mounted nodev (and nosuid): the node is there to stat and archive, not to open
    assertThat(ok("grep ' " + m.mountPoint + " ' /proc/self/mountinfo")).contains("nodev");
    assertThat(run("head -c 1 " + m.path("null")).out()).contains("Permission denied");
    var st = m.mount.view().stat("/null");
    assertThat(List.of(st.devMajor(), st.devMinor())).containsExactly(1, 3);
    ok("ln " + m.path("null") + " " + m.path("null2"));
    ok("mv " + m.path("sda1") + " " + m.path("disk"));
    assertThat(ok("stat -c '%h' " + m.path("null"))).isEqualTo("2\n");
    m.reopen();
    assertThat(ok(fmt + m.path("disk")))
        .isEqualTo(m.path("disk") + " block special file 660 8:1 0:6\n");
    assertThat(ok("stat -c '%t:%T %h' " + m.path("null2"))).isEqualTo("1:3 2\n");
    // bind(2) of a Unix socket is a mknod of S_IFSOCK
    try (ServerSocketChannel sock = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
      sock.bind(UnixDomainSocketAddress.of(m.path("sock")));
      assertThat(ok("stat -c '%F' " + m.path("sock"))).isEqualTo("socket\n");
    }
    assertThat(m.mount.view().stat("/sock").isSocket()).isTrue();
  }

  @Test
  void statfsReportsTheDataRootsDisk() throws Exception {
    String out = ok("stat -f -c '%b %S %l' " + m.mountPoint);
    assertThat(out.trim()).endsWith(" 4096 255");
    assertThat(Files.getFileStore(m.mountPoint).getTotalSpace())
        .isEqualTo(Files.getFileStore(m.dataRoot).getTotalSpace() / 4096 * 4096);
  }

  @Test
  void concurrentReadersAllSeeTheContent() throws Exception {
    byte[] big = random(11, 8 << 20);
    Files.write(m.path("big"), big);
    List<byte[]> smalls = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      smalls.add(random(100 + i, 50_000 + i));
      Files.write(m.path("s" + i), smalls.get(i));
    }
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try {
      List<Future<Boolean>> results = new ArrayList<>();
      for (int t = 0; t < 8; t++) {
        int me = t;
        results.add(
            pool.submit(
                () -> {
                  for (int round = 0; round < 3; round++) {
                    if (!Arrays.equals(Files.readAllBytes(m.path("big")), big)
                        || !Arrays.equals(Files.readAllBytes(m.path("s" + me)), smalls.get(me))) {
                      return false;
                    }
                  }
                  return true;
                }));
      }
      for (Future<Boolean> f : results) {
        assertThat(f.get(2, TimeUnit.MINUTES)).isTrue();
      }
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void concurrentWritersOfDifferentFilesAllLand() throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(6);
    try {
      List<Future<byte[]>> written = new ArrayList<>();
      for (int t = 0; t < 6; t++) {
        int me = t;
        written.add(
            pool.submit(
                () -> {
                  byte[] b = random(200 + me, 2 << 20);
                  Files.createDirectories(m.path("w" + me));
                  Files.write(m.path("w" + me + "/f"), b);
                  return b;
                }));
      }
      for (int t = 0; t < 6; t++) {
        byte[] b = written.get(t).get(2, TimeUnit.MINUTES);
        assertThat(Files.readAllBytes(m.path("w" + t + "/f"))).isEqualTo(b);
        assertThat(m.mount.view().open("/w" + t + "/f").readAllBytes()).isEqualTo(b);
      }
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void anFsyncMakesTheChangesDurableAtOnceThroughTheIntentLog() throws Exception {
    var tree = (io.strata.store.fs.TreeFileSystem) m.mount.view();
    var before = tree.committedRoot();
    try (FileChannel ch =
        FileChannel.open(m.path("f"), StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
      ch.write(ByteBuffer.wrap(new byte[] {1, 2, 3}));
      ch.force(false);
      // Durable: the change is in the snapshot's intent log, forced, and the tree is committed
      // later (the crash and replay: IntentLogReplayTest, IntentLogCrashIT).
      assertThat(tree.committedRoot()).isEqualTo(before);
      Path log = tree.intentLog().file();
      assertThat(io.strata.store.fs.LoggedChanges.read(log, before).count())
          .as("the create's and the write's records, forced")
          .isPositive();
    }
    m.mount.sync(); // the periodic sync's commit
    assertThat(tree.committedRoot()).isNotEqualTo(before);
  }

  @Test
  void fsyncedDataIsThereAfterTheEngineIsReopened() throws Exception {
    byte[] b = random(21, 3 << 20);
    try (FileChannel ch =
        FileChannel.open(m.path("durable"), StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
      ch.write(ByteBuffer.wrap(b));
      ch.force(true);
    }
    m.reopen();
    assertThat(Files.readAllBytes(m.path("durable"))).isEqualTo(b);
    assertThat(m.engine.fsck().damaged()).isEmpty();
  }

  @Test
  void aReadOnlyViewAnswersErofsToEveryChange() throws Exception {
    Files.writeString(m.path("f"), "kept");
    Files.createDirectories(m.path("d"));
    m.mount.close();
    m.driver().commit("layer", MountedSnapshot.KEY);
    m.driver().view("ro", "layer", Map.of());
    Path ro = Files.createDirectories(dir.resolve("ro"));
    try (FuseMount view = m.mounts.mount(m.driver().fs("ro"), ro, false)) {
      assertThat(view.readOnly()).isTrue();
      assertThat(Files.readString(ro.resolve("f"))).isEqualTo("kept");
      for (String cmd :
          List.of(
              "echo x > " + ro.resolve("f"),
              "echo x > " + ro.resolve("new"),
              "mkdir " + ro.resolve("d2"),
              "rm " + ro.resolve("f"),
              "rmdir " + ro.resolve("d"),
              "chmod 600 " + ro.resolve("f"),
              "ln -s f " + ro.resolve("l"),
              "mv " + ro.resolve("f") + " " + ro.resolve("g"),
              "touch " + ro.resolve("f"),
              "setfattr -n user.a -v 1 " + ro.resolve("f"))) {
        assertThat(run(cmd).out()).as(cmd).contains("Read-only file system");
      }
      assertThatThrownBy(() -> Files.writeString(ro.resolve("f"), "x"))
          .isInstanceOf(FileSystemException.class)
          .hasMessageContaining("Read-only file system");
    }
  }

  @Test
  void aMountPointInUseOrNotEmptyIsRefused() throws Exception {
    assertThatThrownBy(
            () -> m.mounts.mount(m.driver().fs(MountedSnapshot.KEY), m.mountPoint, false))
        .isInstanceOf(io.strata.store.error.AlreadyExistsException.class);
    Path full = Files.createDirectories(dir.resolve("full"));
    Files.writeString(full.resolve("x"), "x");
    assertThatThrownBy(() -> m.mounts.mount(m.driver().fs(MountedSnapshot.KEY), full, false))
        .isInstanceOf(io.strata.store.error.ConflictException.class)
        .hasMessageContaining("not empty");
    assertThat(m.mounts.find(m.mountPoint)).isSameAs(m.mount);
    m.mount.close();
    assertThat(m.mounts.find(m.mountPoint)).isNull();
    assertThat(MountTable.at(m.mountPoint)).isNull();
  }

  @Test
  void aBusyMountIsDetachedAtOnceAndServedUntilItsLastFileCloses() throws Exception {
    FileChannel open =
        FileChannel.open(m.path("busy"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
    try {
      m.mount.close();
      assertThat(MountTable.at(m.mountPoint)).isNull();
      assertThat(m.mount.isMounted()).isTrue(); // still served for the open file
      open.write(ByteBuffer.wrap("late".getBytes(StandardCharsets.UTF_8)));
    } finally {
      open.close();
    }
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (m.mount.isMounted()) {
      assertThat(System.nanoTime()).as("the detached mount never ended").isLessThan(deadline);
      Thread.sleep(10);
    }
    // The serving thread made the late write durable as it ended.
    m.reopen();
    assertThat(Files.readString(m.path("busy"))).isEqualTo("late");
  }

  @Test
  void aWritableViewMountedReadOnlyRefusesChangesToo() throws Exception {
    Path ro = Files.createDirectories(dir.resolve("ro2"));
    try (FuseMount view = m.mounts.mount(m.driver().fs(MountedSnapshot.KEY), ro, true)) {
      assertThat(view.readOnly()).isTrue();
      assertThat(run("touch " + ro.resolve("x")).out()).contains("Read-only file system");
    }
  }
}
