package io.strata.fuse;

import static io.strata.fuse.MountedSnapshot.ok;
import static org.assertj.core.api.Assertions.assertThat;

import io.strata.store.volume.HostDirectory;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * What serving through the low-level protocol adds: one kernel inode per tree inode with cached
 * attributes, paths from the node table, no OPEN round trips, removed files that stay open.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class LowLevelMountTest {
  @TempDir Path dir;
  MountedSnapshot m;

  @BeforeAll
  static void fuse() {
    MountedSnapshot.requireFuse();
  }

  @BeforeEach
  void mount() throws Exception {
    m = MountedSnapshot.open(dir);
  }

  @AfterEach
  void unmount() throws Exception {
    m.close();
  }

  private long requests(int opcode) {
    return m.mount.session().requests(opcode);
  }

  @Test
  void hardLinksStayCoherentWhileAttributesAreCached() throws Exception {
    Files.writeString(m.path("f"), "short");
    Files.createLink(m.path("g"), m.path("f"));
    assertThat(Files.size(m.path("g"))).isEqualTo(5);
    // Cached: stat again costs no GETATTR.
    long before = requests(Wire.GETATTR);
    for (int i = 0; i < 20; i++) {
      assertThat(Files.size(m.path("g"))).isEqualTo(5);
    }
    assertThat(requests(Wire.GETATTR)).as("attributes are cached").isEqualTo(before);
    // Grown through one name, seen whole at once through the other: one kernel inode.
    Files.writeString(m.path("f"), "a good deal longer now", StandardOpenOption.APPEND);
    assertThat(Files.size(m.path("g"))).isEqualTo(27);
    assertThat(Files.readString(m.path("g"))).isEqualTo("shorta good deal longer now");
    assertThat(Files.getAttribute(m.path("g"), "unix:ino"))
        .isEqualTo(Files.getAttribute(m.path("f"), "unix:ino"));
    Files.delete(m.path("f"));
    assertThat(Files.getAttribute(m.path("g"), "unix:nlink")).isEqualTo(1);
    assertThat(Files.readString(m.path("g"))).isEqualTo("shorta good deal longer now");
  }

  @Test
  void aRenamedDirectoryIsReachedThroughTheNodeTable() throws Exception {
    Files.createDirectories(m.path("a/b"));
    Files.writeString(m.path("a/b/f"), "one");
    try (FileChannel ch = FileChannel.open(m.path("a/b/f"), StandardOpenOption.WRITE)) {
      ok("mv " + m.path("a") + " " + m.path("z"));
      // The open file's node now lives under /z: a write through it lands there.
      ch.write(ByteBuffer.wrap("two".getBytes(StandardCharsets.UTF_8)), 3);
      ch.force(true);
    }
    assertThat(m.mount.view().open("/z/b/f").readAllBytes())
        .isEqualTo("onetwo".getBytes(StandardCharsets.UTF_8));
    assertThat(m.mount.view().exists("/a")).isFalse();
    Files.writeString(m.path("z/b/g"), "new");
    assertThat(ok("cat " + m.path("z/b/f") + " " + m.path("z/b/g"))).isEqualTo("onetwonew");
  }

  @Test
  void filesAreReadWithoutOpenRequests() throws Exception {
    for (int i = 0; i < 20; i++) {
      Files.writeString(m.path("f" + i), "content " + i);
    }
    for (int round = 0; round < 2; round++) {
      for (int i = 0; i < 20; i++) {
        assertThat(Files.readString(m.path("f" + i))).isEqualTo("content " + i);
      }
    }
    assertThat(ok("cat " + m.path("f3") + " > /dev/null; ls -la " + m.mountPoint)).contains("f19");
    assertThat(m.mount.fs().noOpen()).as("the kernel agreed to NO_OPEN").isTrue();
    // At most the one OPEN answered ENOSYS, which turns them off; no OPENDIR past the first.
    assertThat(requests(Wire.OPEN)).isLessThanOrEqualTo(1);
    assertThat(requests(Wire.OPENDIR)).isLessThanOrEqualTo(1);
    assertThat(requests(Wire.RELEASEDIR)).isZero();
    assertThat(requests(Wire.READ)).isPositive();
  }

  @Test
  void aRemovedFileStaysUsableWhileOpenAndIsGoneAfter() throws Exception {
    Files.createDirectories(m.path("d"));
    Files.writeString(m.path("d/tmp"), "still here");
    try (FileChannel ch =
        FileChannel.open(m.path("d/tmp"), StandardOpenOption.READ, StandardOpenOption.WRITE)) {
      Files.delete(m.path("d/tmp"));
      assertThat(Files.exists(m.path("d/tmp"))).isFalse();
      Files.delete(m.path("d")); // nothing hidden in the directory: rmdir works
      ch.write(ByteBuffer.wrap("!".getBytes(StandardCharsets.UTF_8)), 10);
      ByteBuffer b = ByteBuffer.allocate(64);
      ch.read(b, 0);
      assertThat(new String(b.array(), 0, b.position(), StandardCharsets.UTF_8))
          .isEqualTo("still here!");
      assertThat(ok("ls -a " + m.mountPoint)).isEqualTo(".\n..\n");
    }
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (!m.mount.view().list("/").isEmpty()) {
      assertThat(System.nanoTime()).as("the hidden file outlived its node").isLessThan(deadline);
      Thread.sleep(20);
    }
  }

  @Test
  void oneTimeAloneIsSetAndTheOtherKept() throws Exception {
    Files.writeString(m.path("f"), "x");
    ok("touch -d @1000000000 " + m.path("f"));
    ok("touch -m -d @1200000000 " + m.path("f"));
    ok("touch -a -d @1300000000 " + m.path("f"));
    assertThat(ok("stat -c '%X %Y' " + m.path("f"))).isEqualTo("1300000000 1200000000\n");
    var stored = m.mount.view().stat("/f");
    assertThat(stored.mtimeNanos()).isEqualTo(1_200_000_000_000_000_000L);
    assertThat(stored.atimeNanos()).isEqualTo(1_300_000_000_000_000_000L);
  }

  @Test
  void renameNoreplaceRefusesAnExistingTargetAndExchangeIsRefused() throws Exception {
    Files.writeString(m.path("a"), "a");
    Files.writeString(m.path("b"), "b");
    // renameat2(2) straight from the C library: mv checks for the target itself first.
    String py =
        "import ctypes,os,sys; c=ctypes.CDLL(None,use_errno=True);"
            + " r=c.renameat2(-100,sys.argv[1].encode(),-100,sys.argv[2].encode(),int(sys.argv[3]));"
            + " print(r, os.strerror(ctypes.get_errno()) if r else 'ok')";
    String a = m.path("a").toString();
    String b = m.path("b").toString();
    assertThat(ok("python3 -c \"" + py + "\" " + a + " " + b + " 1")).isEqualTo("-1 File exists\n");
    assertThat(ok("python3 -c \"" + py + "\" " + a + " " + b + " 2"))
        .isEqualTo("-1 Invalid argument\n");
    assertThat(Files.readString(m.path("b"))).isEqualTo("b");
    assertThat(ok("python3 -c \"" + py + "\" " + a + " " + m.path("c") + " 1")).isEqualTo("0 ok\n");
    assertThat(Files.readString(m.path("c"))).isEqualTo("a");
    // The kernel answers NOREPLACE over a name it holds itself; EXCHANGE and the NOREPLACE rename
    // to a new name came to us (the first refused, the second done).
    assertThat(requests(Wire.RENAME2)).isGreaterThanOrEqualTo(2);
  }

  @Test
  void aViewOfAnotherFileSystemIsServedByNameAndKeepsHardLinksCoherent() throws Exception {
    Path host = Files.createDirectories(dir.resolve("host"));
    Files.writeString(host.resolve("f"), "host");
    Files.createLink(host.resolve("g"), host.resolve("f"));
    Path mp = Files.createDirectories(dir.resolve("hostmnt"));
    try (FuseMount hm = m.mounts.mount(new HostDirectory(host, false, "test dir"), mp, false)) {
      assertThat(hm.fs().table().byInode(0)).as("a host directory is served by name").isFalse();
      assertThat(Files.size(mp.resolve("g"))).isEqualTo(4);
      Files.writeString(mp.resolve("f"), " and more", StandardOpenOption.APPEND);
      assertThat(Files.readString(mp.resolve("g"))).isEqualTo("host and more");
      assertThat(Files.readString(host.resolve("g"))).isEqualTo("host and more");
    }
  }

  /**
   * Served by name, a file that gets a second name is one kernel inode for both: a truncate through
   * the new name is what an append through the old one sees. With a kernel inode per name, the old
   * name kept its cached size and the append landed at the old end, the file padded with zeros
   * (docs/ADVERSARIAL.md, F3).
   */
  @Test
  void servedByNameAFileLinkedAnewIsOneInodeForBothNames() throws Exception {
    Path host = Files.createDirectories(dir.resolve("host"));
    Path mp = Files.createDirectories(dir.resolve("hostmnt"));
    try (FuseMount hm = m.mounts.mount(new HostDirectory(host, false, "test dir"), mp, false)) {
      assertThat(hm.fs().table().byInode(0)).as("a host directory is served by name").isFalse();
      Path log = mp.resolve("log");
      Files.write(log, new byte[300_000]);
      assertThat(Files.size(log)).isEqualTo(300_000); // its attributes cached under this name
      Files.createLink(mp.resolve("log.1"), log);
      try (FileChannel ch = FileChannel.open(mp.resolve("log.1"), StandardOpenOption.WRITE)) {
        ch.truncate(0);
      }
      Files.writeString(log, "appended line\n", StandardOpenOption.APPEND);
      assertThat(Files.size(log)).isEqualTo(14);
      assertThat(Files.readString(mp.resolve("log.1"))).isEqualTo("appended line\n");
      assertThat(Files.readString(host.resolve("log"))).isEqualTo("appended line\n");
      assertThat(Files.getAttribute(log, "unix:nlink")).isEqualTo(2);
    }
  }

  /**
   * In a directory with the setgid bit, what is made takes the directory's group, and a new
   * directory the bit too, as on every Linux file system (docs/ADVERSARIAL.md, F11).
   */
  @Test
  void aSetgidDirectoryGivesItsGroupToWhatIsMadeInIt() throws Exception {
    Path shared = Files.createDirectories(m.path("shared"));
    ok("chown 0:1234 " + shared + " && chmod 2775 " + shared);
    ok("umask 022; mkdir " + shared.resolve("sub") + " && touch " + shared.resolve("file"));
    ok("ln -s file " + shared.resolve("link") + " && mkfifo " + shared.resolve("fifo"));
    assertThat(ok("stat -c '%A %g' " + shared.resolve("sub")).trim()).isEqualTo("drwxr-sr-x 1234");
    assertThat(ok("stat -c '%A %g' " + shared.resolve("file")).trim()).isEqualTo("-rw-r--r-- 1234");
    assertThat(ok("stat -c %g " + shared.resolve("fifo")).trim()).isEqualTo("1234");
    assertThat(ok("stat -c %g " + shared.resolve("link")).trim()).isEqualTo("1234");
    // elsewhere, the creator's group
    ok("umask 022; mkdir " + m.path("plain") + " && touch " + m.path("plain/f"));
    assertThat(ok("stat -c '%A %g' " + m.path("plain")).trim()).isEqualTo("drwxr-xr-x 0");
  }

  /**
   * An owner id past 2^31-1 is refused (EINVAL), as a layer could not keep it: it was taken,
   * overflowed, and then exported as a tar GNU tar refuses (docs/ADVERSARIAL.md, F8).
   */
  @Test
  void anOwnerIdPastWhatALayerKeepsIsInvalid() throws Exception {
    Files.writeString(m.path("f"), "x");
    MountedSnapshot.Run r = MountedSnapshot.run("chown 3000000000:3000000000 " + m.path("f"));
    assertThat(r.exit()).isNotZero();
    assertThat(r.out()).contains("Invalid argument");
    assertThat(ok("stat -c %u:%g " + m.path("f")).trim()).isEqualTo("0:0");
    ok("chown 2147483647:7 " + m.path("f"));
    assertThat(ok("stat -c %u:%g " + m.path("f")).trim()).isEqualTo("2147483647:7");
  }

  /**
   * A time past what the store keeps (2262-04-11) is held there, not wrapped around to the past
   * (docs/ADVERSARIAL.md, F15: year 3000 became 1830).
   */
  @Test
  void aTimePastWhatTheStoreKeepsIsHeldAtItsEnd() throws Exception {
    Files.writeString(m.path("fut"), "x");
    ok("touch -d '3000-01-01 00:00:00 UTC' " + m.path("fut"));
    assertThat(ok("stat -c %Y " + m.path("fut")).trim()).isEqualTo("9223372036");
    ok("touch -d '1600-01-01 00:00:00 UTC' " + m.path("fut"));
    assertThat(Long.parseLong(ok("stat -c %Y " + m.path("fut")).trim())).isEqualTo(-9223372037L);
  }

  /**
   * A user's own file named as the mount names a removed file it keeps open is an ordinary file:
   * listed, read, kept across a remount. It was hidden, and deleted when the kernel forgot it
   * (docs/ADVERSARIAL.md, F4).
   */
  @Test
  void aUsersFileNamedAsAHeldRemovedFileIsTheirs() throws Exception {
    Files.writeString(m.path(".strata-unlinked-7"), "user data");
    // and one held open while removed: hidden, then gone, with the user's file untouched
    Path held = m.path("held");
    Files.writeString(held, "held");
    try (FileChannel ch = FileChannel.open(held, StandardOpenOption.READ)) {
      Files.delete(held);
      assertThat(ok("ls -a " + m.mountPoint)).contains(".strata-unlinked-7");
      ByteBuffer b = ByteBuffer.allocate(4);
      ch.read(b, 0);
      assertThat(new String(b.array(), StandardCharsets.UTF_8)).isEqualTo("held");
    }
    Thread.sleep(2_500); // past the kernel's caches
    assertThat(Files.readString(m.path(".strata-unlinked-7"))).isEqualTo("user data");
    m.reopen();
    assertThat(Files.readString(m.path(".strata-unlinked-7"))).isEqualTo("user data");
    assertThat(ok("ls -A " + m.mountPoint).trim()).isEqualTo(".strata-unlinked-7");
  }
}
