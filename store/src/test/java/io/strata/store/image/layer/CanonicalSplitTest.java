package io.strata.store.image.layer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.strata.store.digest.Digest;
import io.strata.store.driver.WholeTree;
import io.strata.store.engine.ObjectWriter;
import io.strata.store.engine.Recipe;
import io.strata.store.engine.WriteSession;
import io.strata.store.error.CorruptDataException;
import io.strata.store.error.InvalidArgumentException;
import io.strata.store.fs.FileStat;
import io.strata.store.fs.FileSystemView;
import io.strata.store.image.ImageFixture;
import io.strata.store.image.ImportResult;
import io.strata.store.testing.Tools;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Version 2 tar-splits ({@link CanonicalSplit}): a layer whose tar is its whole tree's canonical
 * tar keeps no header bytes, and its tar comes back byte for byte, regenerated from the tree;
 * version 1 splits of the same trees (what stores written before hold) read as before and give the
 * same bytes.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class CanonicalSplitTest {
  @TempDir Path dir;
  ImageFixture fix;

  @BeforeEach
  void open() throws IOException {
    fix = new ImageFixture(dir.resolve("store"));
  }

  @AfterEach
  void close() throws IOException {
    fix.close();
  }

  /** Long names and link targets, a hard link, symlinks, empty files, non-ASCII, a big file. */
  private Path tree() throws IOException {
    Path t = dir.resolve("tree");
    Path deep = t.resolve("d".repeat(60)).resolve("e".repeat(60));
    Files.createDirectories(deep);
    Files.writeString(deep.resolve("long-name-" + "x".repeat(90) + ".txt"), "long\n");
    Files.createDirectories(t.resolve("etc/sub"));
    Files.writeString(t.resolve("etc/sub/conf"), "a = 1\n");
    byte[] big = new byte[700_000];
    new Random(7).nextBytes(big);
    Files.write(t.resolve("big.bin"), big);
    Files.createLink(t.resolve("big-link.bin"), t.resolve("big.bin"));
    Files.createSymbolicLink(t.resolve("sym"), Path.of("/etc/sub/conf"));
    Files.createSymbolicLink(t.resolve("far"), Path.of("/" + "t".repeat(150)));
    Files.writeString(t.resolve("empty"), "");
    Files.writeString(t.resolve("ünïcode.txt"), "u\n");
    return t;
  }

  private LayerRecord onlyLayer(ImportResult r) {
    return fix.layers().get(r.images().get(0).layers().get(0).chainId());
  }

  private byte[] export(LayerRecord l) throws IOException {
    try (InputStream in = fix.layers().open(l)) {
      return in.readAllBytes();
    }
  }

  private static String sha(byte[] b) {
    return Digest.sha256(b, 0, b.length).toString();
  }

  /**
   * The tar a version 1 split of {@code l}'s tree gives, the split written as the release before
   * wrote a canonical layer's (every header kept), read back as a store written then reads it.
   */
  private byte[] throughVersion1(LayerRecord l) throws IOException {
    FileSystemView fs = fix.driver().fs(l.chainId());
    try (WriteSession s = fix.chunks().session()) {
      TarSplitWriter split = new TarSplitWriter(s.newObject(), null, 1);
      CanonicalTar.describe(fs, WholeTree.of(fs), split);
      Recipe r = split.finish().recipe();
      try (TarSplitReader v1 = new TarSplitReader(fix.chunks(), r, "old layer", fs)) {
        assertThat(v1.version()).isEqualTo(1);
        try (InputStream in =
            new RegeneratedTar(v1, Digest.parse(l.diffId()), fix.layers().contents(l))) {
          return in.readAllBytes();
        }
      }
    }
  }

  @Test
  void aDirectoryImportKeepsNoHeaderBytesAndItsTarComesBackByteForByte() throws Exception {
    ImportResult r = fix.images().importPath(tree().toString(), "d:1");
    LayerRecord l = onlyLayer(r);
    try (TarSplitReader split = fix.layers().splitReader(l)) {
      assertThat(split.version()).isEqualTo(2);
    }
    // the magic, one canonical record with the user name, the end: no header byte
    assertThat(l.splitRecipe().size()).isLessThan(60 + LayerTarWriter.DEFAULT_USER_NAME.length());
    byte[] tar = export(l);
    assertThat(sha(tar)).isEqualTo(l.diffId());
    assertThat(tar.length).isEqualTo(l.size());
    assertThat(throughVersion1(l)).isEqualTo(tar);
    // GNU tar reads it, long names and all
    String listing =
        new String(run("tar", "-tvf", write("export.tar", tar).toString()), StandardCharsets.UTF_8);
    assertThat(listing).contains("long-name-" + "x".repeat(90) + ".txt", "t".repeat(150));

    // The tar sent again as a plain tar is in canonical form: not read back, the same layer, and
    // a fresh store gives the same bytes.
    fix.close();
    fix = new ImageFixture(dir.resolve("store2"));
    ImportResult again =
        fix.images().importLayerTar(new ByteArrayInputStream(tar), "t:1", "exported tar");
    assertThat(fix.layers().plainTarsReadBack()).isZero();
    LayerRecord l2 = onlyLayer(again);
    assertThat(l2.diffId()).isEqualTo(l.diffId());
    assertThat(export(l2)).isEqualTo(tar);
  }

  @Test
  void plainTarsOfEveryToolStoreVersion2AndGiveTheSameLayerAsTheDirectory() throws Exception {
    Tools.require("busybox");
    Path t = tree();
    String canonical = onlyLayer(fix.images().importPath(t.toString(), "d:1")).diffId();
    List<List<String>> tools = new ArrayList<>();
    for (String format : List.of("gnu", "posix")) { // ustar holds no 150-byte link target
      tools.add(List.of("tar", "--format=" + format, "-C", t.toString(), "-cf", "-", "."));
    }
    tools.add(List.of("busybox", "tar", "-C", t.toString(), "-cf", "-", "."));
    tools.add(
        List.of(
            "python3",
            "-c",
            "import sys, tarfile\n"
                + "t = tarfile.open(fileobj=sys.stdout.buffer, mode='w|', format=tarfile.PAX_FORMAT)\n"
                + "t.add(sys.argv[1], arcname='.')\nt.close()\n",
            t.toString()));
    int n = 0;
    for (List<String> tool : tools) {
      byte[] tar = run(tool.toArray(String[]::new));
      fix.close();
      fix = new ImageFixture(dir.resolve("store-" + n++));
      LayerRecord l =
          onlyLayer(fix.images().importLayerTar(new ByteArrayInputStream(tar), "t:1", "tar"));
      assertThat(l.diffId()).as("%s", tool).isEqualTo(canonical);
      try (TarSplitReader split = fix.layers().splitReader(l)) {
        assertThat(split.version()).isEqualTo(2);
      }
      byte[] back = export(l);
      assertThat(sha(back)).isEqualTo(canonical);
      assertThat(throughVersion1(l)).isEqualTo(back);
    }
  }

  @Test
  void devicesFifosXattrsAndBigIdsRegenerate() throws Exception {
    LayerRecord l =
        fix.layers()
            .importTree(
                null,
                fs -> {
                  fs.mkdir("/dev", 0755);
                  fs.mknod("/dev/null", FileStat.S_IFCHR | 0666, FileStat.makedev(1, 3));
                  fs.mknod("/dev/sda", FileStat.S_IFBLK | 0660, FileStat.makedev(8, 0));
                  fs.mknod("/dev/fifo", FileStat.S_IFIFO | 0600, 0);
                  fs.mkdir("/bin", 0755);
                  fs.writeFile(
                      "/bin/ping", new ByteArrayInputStream(new byte[5000]), 04755, 0, 0, 0);
                  fs.setXattr("/bin/ping", "security.capability", new byte[] {1, 0, 0, 2, -1, 0});
                  fs.setXattr("/bin/ping", "user.note", "ünï".getBytes(StandardCharsets.UTF_8));
                  fs.writeFile(
                      "/big-ids",
                      new ByteArrayInputStream("x".getBytes(StandardCharsets.US_ASCII)),
                      0640,
                      3_000_000,
                      2_100_000_000,
                      -5_000_000_000L);
                  fs.link("/dev/fifo", "/dev/fifo2");
                })
            .layer();
    byte[] tar = export(l);
    assertThat(sha(tar)).isEqualTo(l.diffId());
    assertThat(throughVersion1(l)).isEqualTo(tar);
    String listing =
        new String(
            run("tar", "--numeric-owner", "-tvf", write("dev.tar", tar).toString()),
            StandardCharsets.UTF_8);
    assertThat(listing).contains("1,3", "8,0", "3000000/2100000000");
  }

  /**
   * Random trees from a seeded generator (names of every length up to past the ustar fields,
   * non-ASCII, modes, owners past ustar's octal fields, times before 1970 and past 2242, symlink
   * targets long and short, hard links, xattrs, empty and multi-chunk files): each exports to the
   * tar its import hashed, and to what a version 1 split of the same tree gives.
   */
  @Test
  void randomTreesRegenerate() throws Exception {
    for (int seed = 1; seed <= 12; seed++) {
      Random r = new Random(seed);
      LayerRecord l = fix.layers().importTree(null, fs -> randomTree(fs, r)).layer();
      byte[] tar = export(l);
      assertThat(sha(tar)).as("seed %d", seed).isEqualTo(l.diffId());
      assertThat(throughVersion1(l)).as("seed %d", seed).isEqualTo(tar);
    }
  }

  private static void randomTree(FileSystemView fs, Random r) throws IOException {
    List<String> dirs = new ArrayList<>(List.of("/"));
    List<String> files = new ArrayList<>();
    int entries = 20 + r.nextInt(60);
    for (int i = 0; i < entries; i++) {
      String parent = dirs.get(r.nextInt(dirs.size()));
      String path = EntryPath.join(parent, name(r, i));
      int uid = r.nextInt(4) == 0 ? 2_097_152 + r.nextInt(1 << 30) : r.nextInt(70_000);
      int gid = r.nextInt(4) == 0 ? 2_097_152 + r.nextInt(1 << 30) : r.nextInt(70_000);
      long mtime =
          switch (r.nextInt(4)) {
            case 0 -> -r.nextInt(1 << 30) * 1_000_000_000L;
            case 1 -> (8_589_934_592L + r.nextInt(1 << 20)) * 1_000_000_000L; // past 077777777777
            default -> (long) r.nextInt(2_000_000_000) * 1_000_000_000L + r.nextInt(1_000_000_000);
          };
      int kind = r.nextInt(10);
      if (kind < 2) {
        fs.mkdir(path, r.nextInt(01000) | 0700);
        fs.chown(path, uid, gid);
        dirs.add(path);
      } else if (kind < 4) {
        String target = r.nextBoolean() ? "t" + r.nextInt(9) : "/" + "l".repeat(1 + r.nextInt(300));
        fs.symlink(target, path);
        fs.chown(path, uid, gid);
        fs.setTimes(path, mtime, mtime);
      } else if (kind == 4 && !files.isEmpty()) {
        fs.link(files.get(r.nextInt(files.size())), path);
      } else {
        byte[] content =
            new byte[r.nextInt(3) == 0 ? 0 : r.nextInt(r.nextBoolean() ? 600 : 300_000)];
        r.nextBytes(content);
        fs.writeFile(path, new ByteArrayInputStream(content), r.nextInt(010000), uid, gid, mtime);
        if (r.nextInt(3) == 0) {
          byte[] v = new byte[r.nextInt(200)];
          r.nextBytes(v);
          fs.setXattr(path, "user.x" + r.nextInt(5), v);
        }
        files.add(path);
      }
    }
  }

  private static String name(Random r, int i) {
    String[] stems = {"a", "ü", "文件", "x".repeat(99), "y".repeat(100), "z".repeat(180), "n n"};
    return stems[r.nextInt(stems.length)] + "-" + i;
  }

  @Test
  void theUserNameComesFromTheSplitNotFromWhoRunsTheServer() throws Exception {
    LayerRecord l = onlyLayer(fix.images().importPath(tree().toString(), "d:1"));
    FileSystemView fs = fix.driver().fs(l.chainId());
    // the canonical tar a server running as "builder" wrote, content and all
    ByteArrayOutputStream written = new ByteArrayOutputStream();
    LayerTarWriter w = new LayerTarWriter(fs, written, (p, n) -> {}, true, "builder");
    w.changes(WholeTree.of(fs));
    w.finish();
    byte[] expected = written.toByteArray();
    assertThat(new String(expected, 265, 7, StandardCharsets.US_ASCII)).isEqualTo("builder");
    try (WriteSession s = fix.chunks().session()) {
      TarSplitWriter counted = new TarSplitWriter(null, null);
      CanonicalTar.describe(fs, WholeTree.of(fs), counted);
      ObjectWriter.Written split =
          CanonicalSplit.store(s.newObject(), "builder", counted.tarSize(), counted.files());
      try (InputStream in =
          new RegeneratedTar(
              new TarSplitReader(fix.chunks(), split.recipe(), "layer", fs),
              Digest.sha256(expected, 0, expected.length),
              fix.layers().contents(l))) {
        assertThat(in.readAllBytes()).isEqualTo(expected);
      }
    }
  }

  @Test
  void aLayersTarNamesNoUserSoItsDigestDoesNotDependOnWhoRunsTheServer() throws Exception {
    Path tree = tree();
    String was = System.getProperty("user.name");
    List<String> diffIds = new ArrayList<>();
    try {
      for (String user : new String[] {"alice", "bob"}) {
        System.setProperty("user.name", user);
        fix.close();
        fix = new ImageFixture(dir.resolve("store-" + user));
        LayerRecord l = onlyLayer(fix.images().importPath(tree.toString(), "d:1"));
        diffIds.add(l.diffId());
        try (TarArchiveInputStream in =
            new TarArchiveInputStream(new ByteArrayInputStream(export(l)))) {
          int entries = 0;
          for (var e = in.getNextEntry(); e != null; e = in.getNextEntry(), entries++) {
            // as containerd and moby write layers: no names, the numeric ids only
            assertThat(e.getUserName()).as(e.getName()).isEmpty();
            assertThat(e.getGroupName()).as(e.getName()).isEmpty();
          }
          assertThat(entries).isGreaterThan(5);
        }
      }
    } finally {
      System.setProperty("user.name", was);
    }
    assertThat(diffIds.get(1)).isEqualTo(diffIds.get(0));
  }

  @Test
  void aSplitTheTreeNoLongerMatchesFailsTheReadNamingTheLayer() throws Exception {
    LayerRecord l = onlyLayer(fix.images().importPath(tree().toString(), "d:1"));
    FileSystemView fs = fix.driver().fs(l.chainId());
    try (WriteSession s = fix.chunks().session()) {
      Recipe wrongSize =
          CanonicalSplit.store(s.newObject(), LayerTarWriter.DEFAULT_USER_NAME, l.size() + 512, 4)
              .recipe();
      assertThatThrownBy(
              () -> {
                try (InputStream in =
                    new RegeneratedTar(
                        new TarSplitReader(fix.chunks(), wrongSize, "layer L", fs),
                        Digest.parse(l.diffId()),
                        fix.layers().contents(l))) {
                  in.transferTo(OutputStream.nullOutputStream());
                }
              })
          .isInstanceOf(CorruptDataException.class)
          .hasMessageStartingWith("layer L: its tree regenerates a tar of " + l.size() + " bytes");

      ObjectWriter w = s.newObject();
      byte[] future = "STRSPLT2C\11\0\0".getBytes(StandardCharsets.US_ASCII);
      w.write(future, 0, future.length);
      w.write(new byte[13], 0, 12);
      Recipe writer9 = w.finish().recipe();
      assertThatThrownBy(() -> new TarSplitReader(fix.chunks(), writer9, "layer L", fs).next())
          .isInstanceOf(CorruptDataException.class)
          .hasMessage("layer L: its tar-split names tar writer 9, which this release lacks");

      // a reader without the tree (a transfer's receiver) refuses a version 2 split
      assertThatThrownBy(() -> new TarSplitReader(fix.chunks(), l.splitRecipe(), "layer L").next())
          .isInstanceOf(InvalidArgumentException.class)
          .hasMessageContaining("regenerates the tar from the layer's tree");
    }
  }

  @Test
  void aLayerOnAParentKeepsItsHeaders() throws Exception {
    // a build step or commit over a parent: its changeset is not a whole tree, its headers are
    // kept (version 3: version 1 with runs of zeros as their length)
    LayerRecord base = onlyLayer(fix.images().importPath(tree().toString(), "d:1"));
    LayerRecord top =
        fix.layers()
            .importTree(
                base.chainId(),
                fs ->
                    fs.writeFile(
                        "/etc/sub/conf",
                        new ByteArrayInputStream("b\n".getBytes(StandardCharsets.US_ASCII)),
                        0644,
                        0,
                        0,
                        0))
            .layer();
    try (TarSplitReader split = fix.layers().splitReader(top)) {
      assertThat(split.version()).isEqualTo(3);
    }
    byte[] tar = export(top);
    assertThat(sha(tar)).isEqualTo(top.diffId());
  }

  private Path write(String name, byte[] b) throws IOException {
    return Files.write(dir.resolve(name), b);
  }

  private byte[] run(String... cmd) throws IOException, InterruptedException {
    return run(List.of(cmd));
  }

  /** A real tool's stdout; a tool that fails or takes over a minute fails the test. */
  private byte[] run(List<String> cmd) throws IOException, InterruptedException {
    Path out = Files.createTempFile(dir, "stdout", "");
    Path err = Files.createTempFile(dir, "stderr", "");
    Process p =
        new ProcessBuilder(cmd)
            .directory(dir.toFile())
            .redirectOutput(out.toFile())
            .redirectError(err.toFile())
            .start();
    if (!p.waitFor(1, TimeUnit.MINUTES)) {
      p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      throw new AssertionError(cmd.get(0) + " did not finish within a minute");
    }
    assertThat(p.exitValue())
        .as("%s exit status; stderr: %s", cmd.get(0), Files.readString(err))
        .isZero();
    return Files.readAllBytes(out);
  }
}
