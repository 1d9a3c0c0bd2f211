package io.strata.store.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.strata.store.digest.Digest;
import io.strata.store.driver.StorageDriverProvider;
import io.strata.store.error.InvalidArgumentException;
import io.strata.store.fs.FileStat;
import io.strata.store.fs.FileSystemView;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.commons.compress.archivers.tar.TarConstants;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
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
    layers = fix.images().layers();
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
            new TarBuilder().symlink("etc/bad-link", "../../outside").bytes(),
            new TarBuilder().hardlink("bad-hard", "../etc/passwd").bytes(),
            new TarBuilder().entry("dev/sda", TarConstants.LF_BLK).bytes(),
            new TarBuilder().entry("dev/tty", TarConstants.LF_CHR).bytes());
    List<String> names =
        List.of("escaped.txt", "/abs.txt", "bad-link", "bad-hard", "dev/sda", "dev/tty");
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
}
