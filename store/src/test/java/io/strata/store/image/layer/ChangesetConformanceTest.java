package io.strata.store.image.layer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.strata.files.pax.PaxHeader;
import io.strata.store.digest.Digest;
import io.strata.store.driver.StorageDriverProvider;
import io.strata.store.error.InvalidArgumentException;
import io.strata.store.fs.FileStat;
import io.strata.store.fs.FileSystemView;
import io.strata.store.image.ImageFixture;
import io.strata.store.image.TarBuilder;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The OCI changeset rules, applied layer over layer: whiteouts, opaque directories, links, modes,
 * owners, times, xattrs, and hostile entries refused. Each storage driver runs the suite by
 * extending it ({@link BlockChangesetTest} here, the btrfs and zfs drivers in their modules).
 */
public abstract class ChangesetConformanceTest {
  @TempDir Path dir;
  ImageFixture fix;
  LayerStore layers;

  /** The driver under test. */
  protected abstract StorageDriverProvider provider();

  @BeforeEach
  void open() throws IOException {
    fix = new ImageFixture(dir, provider());
    layers = fix.layers();
  }

  @AfterEach
  void close() throws IOException {
    fix.close();
  }

  private LayerRecord apply(String parent, byte[] tar) throws IOException {
    return layers
        .importTar(parent, new ByteArrayInputStream(tar), null, null, "test layer")
        .layer();
  }

  private FileSystemView fs(LayerRecord l) {
    return fix.driver().fs(l.chainId());
  }

  private static String read(FileSystemView fs, String p) throws IOException {
    try (InputStream in = fs.open(p)) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  private LayerRecord base() throws IOException {
    return apply(
        null,
        new TarBuilder()
            .dir("etc", 0755)
            .file("etc/a", "a")
            .file("etc/b", "b")
            .dir("etc/sub", 0700)
            .file("etc/sub/c", "c")
            .file("keep", "k")
            .bytes());
  }

  @Test
  void whiteoutRemovesLowerFileAndIsHidden() throws IOException {
    LayerRecord l1 = base();
    LayerRecord l2 =
        apply(l1.chainId(), new TarBuilder().file("etc/.wh.a", "").file("etc/.wh.sub", "").bytes());
    FileSystemView fs = fs(l2);
    assertThat(fs.exists("/etc/a")).isFalse();
    assertThat(fs.exists("/etc/sub")).isFalse();
    assertThat(fs.exists("/etc/.wh.a")).isFalse();
    assertThat(read(fs, "/etc/b")).isEqualTo("b");
    assertThat(fs(l1).exists("/etc/a")).isTrue();
  }

  @Test
  void opaqueDirectoryHidesLowerEntriesInEitherOrder() throws IOException {
    LayerRecord l1 = base();
    byte[] before =
        new TarBuilder().dir("etc", 0755).file("etc/.wh..wh..opq", "").file("etc/new", "n").bytes();
    byte[] after =
        new TarBuilder()
            .dir("etc", 0755)
            .file("etc/new", "n")
            .dir("etc/sub", 0755)
            .file("etc/sub/d", "d")
            .file("etc/.wh..wh..opq", "")
            .bytes();
    FileSystemView a = fs(apply(l1.chainId(), before));
    assertThat(a.list("/etc")).extracting(e -> e.name()).containsExactly("new");
    FileSystemView b = fs(apply(l1.chainId(), after));
    assertThat(b.list("/etc")).extracting(e -> e.name()).containsExactly("new", "sub");
    assertThat(b.list("/etc/sub")).extracting(e -> e.name()).containsExactly("d");
    assertThat(read(b, "/keep")).isEqualTo("k");
  }

  @Test
  void whiteoutNeverRemovesWhatThisLayerAdded() throws IOException {
    LayerRecord l1 = base();
    FileSystemView fs =
        fs(
            apply(
                l1.chainId(),
                new TarBuilder().file("etc/a", "new a").file("etc/.wh.a", "").bytes()));
    assertThat(read(fs, "/etc/a")).isEqualTo("new a");
  }

  @Test
  void linksModesOwnersTimesAndXattrs() throws IOException {
    LayerRecord l =
        apply(
            null,
            new TarBuilder()
                .dir("bin", 0711)
                .file("bin/tool", "tool", 04755, 1000, 1001, Map.of("SCHILY.xattr.user.k", "v"))
                .hardlink("bin/tool2", "bin/tool")
                .symlink("bin/abs", "/bin/tool")
                .symlink("bin/rel", "../bin/tool")
                .bytes());
    FileSystemView fs = fs(l);
    FileStat t = fs.stat("/bin/tool");
    assertThat(t.permissions()).isEqualTo(04755);
    assertThat(t.uid()).isEqualTo(1000);
    assertThat(t.gid()).isEqualTo(1001);
    assertThat(t.mtimeNanos()).isEqualTo(1_600_000_123_000_000_000L);
    assertThat(t.nlink()).isEqualTo(2);
    assertThat(fs.stat("/bin/tool2").ino()).isEqualTo(t.ino());
    assertThat(fs.getXattr("/bin/tool", "user.k")).isEqualTo("v".getBytes(StandardCharsets.UTF_8));
    assertThat(fs.readlink("/bin/abs")).isEqualTo("/bin/tool");
    assertThat(fs.readlink("/bin/rel")).isEqualTo("../bin/tool");
    assertThat(fs.stat("/bin").permissions()).isEqualTo(0711);
    assertThat(fs.stat("/bin").mtimeNanos()).isEqualTo(1_600_000_000_000_000_000L);
  }

  @Test
  void fileReplacesDirectoryAndDirectoryOverDirectoryKeepsChildren() throws IOException {
    LayerRecord l1 = base();
    FileSystemView fs =
        fs(
            apply(
                l1.chainId(),
                new TarBuilder().file("etc/sub", "now a file").dir("etc", 0750).bytes()));
    assertThat(read(fs, "/etc/sub")).isEqualTo("now a file");
    assertThat(fs.stat("/etc").permissions()).isEqualTo(0750);
    assertThat(read(fs, "/etc/a")).isEqualTo("a");
  }

  @Test
  void chainIdsFollowTheSpecAndReimportIsANoOp() throws IOException {
    byte[] t0 = new TarBuilder().file("a", "a").bytes();
    byte[] t1 = new TarBuilder().file("b", "b").bytes();
    LayerRecord l0 = apply(null, t0);
    LayerRecord l1 = apply(l0.chainId(), t1);
    Digest d0 = Digest.sha256(t0, 0, t0.length);
    Digest d1 = Digest.sha256(t1, 0, t1.length);
    assertThat(l0.chainId()).isEqualTo(d0.toString());
    byte[] c = (d0 + " " + d1).getBytes(StandardCharsets.US_ASCII);
    assertThat(l1.chainId()).isEqualTo(Digest.sha256(c, 0, c.length).toString());
    List<String> before = fix.state();
    LayerStore.Result again =
        layers.importTar(l0.chainId(), new ByteArrayInputStream(t1), d1, null, "again");
    assertThat(again.reused()).isTrue();
    assertThat(fix.state()).isEqualTo(before);
  }

  @Test
  void hostileEntriesAreRefusedNamingTheEntryAndChangeNothing() throws IOException {
    LayerRecord l1 = base();
    List<byte[]> evil =
        List.of(
            new TarBuilder().file("ok", "x").file("../../escaped.txt", "x").bytes(),
            new TarBuilder().file("/abs.txt", "x").bytes(),
            new TarBuilder().hardlink("bad-hard", "../etc/passwd").bytes(),
            new TarBuilder().hardlink("dev/null2", "dev/missing").bytes());
    List<String> names = List.of("escaped.txt", "/abs.txt", "bad-hard", "dev/null2");
    List<String> before = fix.state();
    for (int i = 0; i < evil.size(); i++) {
      byte[] tar = evil.get(i);
      assertThatThrownBy(() -> apply(l1.chainId(), tar))
          .as(names.get(i))
          .isInstanceOf(InvalidArgumentException.class)
          .hasMessageContaining(names.get(i));
      assertThat(fix.state()).isEqualTo(before);
    }
  }

  /**
   * A relative symlink that climbs above the root is kept as it is, as Docker keeps it, and an
   * entry below it lands where the kernel would resolve it, {@code ..} stopping at the root (AF3:
   * refused, so a container a program made one in could never be committed).
   */
  @Test
  @Timeout(value = 2, unit = TimeUnit.MINUTES)
  void aSymlinkClimbingAboveTheRootStopsThereAsTheKernelResolvesIt() throws IOException {
    LayerRecord l1 = base();
    FileSystemView fs =
        fs(
            apply(
                l1.chainId(),
                new TarBuilder()
                    .symlink("etc/up", "../../../etc")
                    .file("etc/up/below", "b")
                    .symlink("osr", "../etc/a")
                    .bytes()));
    assertThat(fs.readlink("/etc/up")).isEqualTo("../../../etc");
    assertThat(read(fs, "/etc/below")).isEqualTo("b");
    assertThat(fs.readlink("/osr")).isEqualTo("../etc/a");
  }

  @Test
  void aRootEntryWrittenAsSlashIsTheRootAsUmociInsertWritesIt() throws IOException {
    LayerRecord l = apply(null, new TarBuilder().dir("/", 0700).file("etc/x", "x").bytes());
    assertThat(fs(l).stat("/").permissions()).isEqualTo(0700);
    assertThat(read(fs(l), "/etc/x")).isEqualTo("x");
  }

  private static final byte[] CAPABILITY = {
    1, 0, 0, 2, (byte) 0x80, (byte) 0xff, '\n', '=', 0, 0x20
  };

  /** A tar of one file {@code name} holding "ok", with a binary capability in a PAX header. */
  private static byte[] tarWithCapability(String name) throws IOException {
    java.io.ByteArrayOutputStream tar = new java.io.ByteArrayOutputStream();
    try (var t = new org.apache.commons.compress.archivers.tar.TarArchiveOutputStream(tar)) {
      t.setLongFileMode(
          org.apache.commons.compress.archivers.tar.TarArchiveOutputStream.LONGFILE_TRUNCATE);
      var file = new org.apache.commons.compress.archivers.tar.TarArchiveEntry(name);
      file.setSize(2);
      new PaxHeader()
          .add("path", name)
          .add("SCHILY.xattr.security.capability", CAPABILITY)
          .writeBefore(t, file);
      t.putArchiveEntry(file);
      t.write(new byte[] {'o', 'k'});
      t.closeArchiveEntry();
    }
    return tar.toByteArray();
  }

  @Test
  void binaryXattrValuesArriveByteForByte() throws IOException {
    LayerRecord l = apply(null, tarWithCapability("ping"));
    assertThat(fs(l).getXattr("/ping", "security.capability")).isEqualTo(CAPABILITY);
    assertThat(read(fs(l), "/ping")).isEqualTo("ok");
  }

  /**
   * What Strata writes as a layer (a commit, an export, a canonical tar) keeps binary xattr values
   * byte for byte, also on entries whose name or link target the ustar header cannot hold.
   */
  @Test
  void binaryXattrValuesLeaveByteForByte() throws IOException {
    String longName = "d/" + "n".repeat(150) + "-\u00e9t\u00e9";
    LayerRecord l = apply(null, tarWithCapability(longName));
    FileSystemView fs = fs(l);
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    LayerTarWriter writer = new LayerTarWriter(fs, out);
    writer.entry("/d", "d");
    writer.entry("/" + longName, longName);
    writer.finish();

    LayerRecord again = apply(null, out.toByteArray());
    assertThat(fs(again).getXattr("/" + longName, "security.capability")).isEqualTo(CAPABILITY);
    assertThat(read(fs(again), "/" + longName)).isEqualTo("ok");
    assertThat(fs(again).stat("/" + longName).mtimeNanos())
        .isEqualTo(fs.stat("/" + longName).mtimeNanos() / 1_000_000_000L * 1_000_000_000L);
  }

  @Test
  void truncatedTarIsRefusedAndChangesNothing() throws IOException {
    byte[] tar = new TarBuilder().file("big", "x".repeat(5000)).bytes();
    byte[] cut = java.util.Arrays.copyOf(tar, 1500);
    List<String> before = fix.state();
    assertThatThrownBy(() -> apply(null, cut)).isInstanceOf(InvalidArgumentException.class);
    assertThat(fix.state()).isEqualTo(before);
  }

  // ---- a root file system's /dev ----

  private static String sh(String cmd) throws Exception {
    Process p = new ProcessBuilder("sh", "-c", cmd).redirectErrorStream(true).start();
    byte[] out = p.getInputStream().readAllBytes();
    assertThat(p.waitFor(60, java.util.concurrent.TimeUnit.SECONDS)).as(cmd).isTrue();
    assertThat(p.exitValue()).as("%s: %s", cmd, new String(out, StandardCharsets.UTF_8)).isZero();
    return new String(out, StandardCharsets.UTF_8);
  }

  /**
   * A tar made by GNU tar (POSIX format, as Docker's are) of a tree with a debootstrap-like /dev:
   * /dev/null c 1 3, /dev/zero c 1 5, a loop block device owned by group disk, a FIFO with a second
   * name, and a file. Needs root for mknod, as the build runs: it fails, never skips.
   */
  private byte[] rootfsTar() throws Exception {
    Path root = java.nio.file.Files.createDirectories(dir.resolve("rootfs/dev"));
    Path d = root;
    sh("mknod -m 0666 " + d.resolve("null") + " c 1 3");
    sh("mknod -m 0666 " + d.resolve("zero") + " c 1 5");
    sh("mknod -m 0660 " + d.resolve("loop7") + " b 7 7");
    sh("chown 0:6 " + d.resolve("loop7"));
    sh("mkfifo -m 0600 " + d.resolve("initctl"));
    sh("ln " + d.resolve("initctl") + " " + d.resolve("initctl.old"));
    sh("echo host > " + d.resolve("hostname") + " && chown 100:101 " + d.resolve("hostname"));
    Path tar = dir.resolve("rootfs.tar");
    sh(
        "tar --format=posix --sort=name --numeric-owner --mtime=@1600000000 -C "
            + dir.resolve("rootfs")
            + " -cf "
            + tar
            + " .");
    return java.nio.file.Files.readAllBytes(tar);
  }

  /** Each entry as {@code name type mode uid:gid major,minor link size mtime}, "./" dropped. */
  private static List<String> entries(byte[] tar) throws IOException {
    List<String> out = new java.util.ArrayList<>();
    try (var in =
        new org.apache.commons.compress.archivers.tar.TarArchiveInputStream(
            new ByteArrayInputStream(tar))) {
      org.apache.commons.compress.archivers.tar.TarArchiveEntry e;
      while ((e = in.getNextEntry()) != null) {
        String name = e.getName().startsWith("./") ? e.getName().substring(2) : e.getName();
        String link = e.getLinkName().startsWith("./") ? e.getLinkName().substring(2) : "";
        if (!name.isEmpty()) {
          out.add(
              String.format(
                  "%s %c %o %d:%d %d,%d %s %d %d",
                  name,
                  (char) e.getLinkFlag(),
                  e.getMode() & 07777,
                  e.getLongUserId(),
                  e.getLongGroupId(),
                  e.getDevMajor(),
                  e.getDevMinor(),
                  e.isLink() ? (link.isEmpty() ? e.getLinkName() : link) : "",
                  e.getSize(),
                  e.getModTime().getTime() / 1000));
        }
      }
    }
    return out;
  }

  @Test
  void devicesAndFifosImportAndExportByteForByte() throws Exception {
    byte[] input = rootfsTar();
    LayerRecord l = apply(null, input);
    String sha =
        java.util.HexFormat.of()
            .formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(input));
    assertThat(l.diffId()).isEqualTo("sha256:" + sha);
    byte[] exported;
    try (InputStream in = layers.open(l)) {
      exported = in.readAllBytes();
    }
    assertThat(exported).isEqualTo(input);

    FileSystemView fs = fs(l);
    FileStat nul = fs.stat("/dev/null");
    assertThat(nul.isCharDevice()).isTrue();
    assertThat(List.of(nul.devMajor(), nul.devMinor(), nul.permissions()))
        .containsExactly(1, 3, 0666);
    FileStat loop = fs.stat("/dev/loop7");
    assertThat(List.of(loop.devMajor(), loop.devMinor(), loop.gid())).containsExactly(7, 7, 6);
    assertThat(loop.isBlockDevice()).isTrue();
    assertThat(fs.stat("/dev/initctl").isFifo()).isTrue();
    // GNU tar writes each name of a FIFO or device as an entry of its own, not as a link
    assertThat(fs.stat("/dev/initctl.old").isFifo()).isTrue();

    // What Strata writes from the tree (export of a container, canonical layers) has the same
    // entries: names, types, modes, owners, device numbers, links, times.
    java.io.ByteArrayOutputStream canonical = new java.io.ByteArrayOutputStream();
    LayerTarWriter w = new LayerTarWriter(fs, canonical);
    w.changes(fix.driver().diff(l.chainId(), null));
    w.finish();
    List<String> want = entries(input);
    assertThat(want)
        .as("the input as GNU tar wrote it")
        .containsExactly(
            "dev/ 5 755 0:0 0,0  0 1600000000",
            "dev/hostname 0 644 100:101 0,0  5 1600000000",
            "dev/initctl 6 600 0:0 0,0  0 1600000000",
            "dev/initctl.old 6 600 0:0 0,0  0 1600000000",
            "dev/loop7 4 660 0:6 7,7  0 1600000000",
            "dev/null 3 666 0:0 1,3  0 1600000000",
            "dev/zero 3 666 0:0 1,5  0 1600000000");
    assertThat(entries(canonical.toByteArray())).isEqualTo(want);
    // and reading Strata's tar back gives the same tree
    LayerRecord again = apply(null, canonical.toByteArray());
    assertThat(fs(again).stat("/dev/zero").rdev()).isEqualTo(fs.stat("/dev/zero").rdev());
  }

  @Test
  void aChangedDeviceIsCommittedAsAnEntryAndARemovedOneAsAWhiteout() throws Exception {
    LayerRecord l = apply(null, rootfsTar());
    fix.driver().prepare("ctr", l.chainId(), Map.of());
    FileSystemView c = fix.driver().fs("ctr");
    c.chmod("/dev/null", 0600);
    c.remove("/dev/zero", false);
    c.mknod("/dev/kmsg", FileStat.S_IFCHR | 0644, FileStat.makedev(1, 11));
    c.mknod("/dev/log", FileStat.S_IFSOCK | 0666, 0);
    java.io.ByteArrayOutputStream commit = new java.io.ByteArrayOutputStream();
    LayerTarWriter w = new LayerTarWriter(c, commit);
    w.changes(fix.driver().diff("ctr", l.chainId()));
    w.finish();
    List<String> got = entries(commit.toByteArray());
    assertThat(got).as("sockets are left out").hasSize(4);
    assertThat(got.get(0)).startsWith("dev/ 5 755 0:0 0,0  0 ");
    assertThat(got.get(1)).startsWith("dev/kmsg 3 644 0:0 1,11  0 ");
    assertThat(got.get(2)).startsWith("dev/null 3 600 0:0 1,3  0 ");
    assertThat(got.get(3)).isEqualTo("dev/.wh.zero 0 0 0:0 0,0  0 0");
    LayerRecord top = apply(l.chainId(), commit.toByteArray());
    assertThat(fs(top).exists("/dev/zero")).isFalse();
    assertThat(fs(top).stat("/dev/kmsg").devMinor()).isEqualTo(11);
    assertThat(fs(top).stat("/dev/null").permissions()).isEqualTo(0600);
  }
}
