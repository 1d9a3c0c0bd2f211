package io.strata.store.image.layer;

import static org.assertj.core.api.Assertions.assertThat;

import com.github.luben.zstd.ZstdOutputStream;
import io.strata.store.digest.Digest;
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
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Layer tars made by real tools come back byte for byte from their tar-splits. */
class TarSplitTest {
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

  /** A tree with long names, a hard link, a symlink, a whiteout, an opaque marker, empty files. */
  private Path tree() throws IOException {
    Path t = dir.resolve("tree");
    Path deep = t.resolve("d".repeat(60)).resolve("e".repeat(60));
    Files.createDirectories(deep);
    Files.writeString(deep.resolve("long-name-" + "x".repeat(90) + ".txt"), "long\n");
    Files.createDirectories(t.resolve("etc/opq"));
    Files.writeString(t.resolve("etc/.wh.gone"), "");
    Files.writeString(t.resolve("etc/opq/.wh..wh..opq"), "");
    Files.writeString(t.resolve("etc/opq/new"), "new\n");
    byte[] big = new byte[300_000];
    new java.util.Random(7).nextBytes(big);
    Files.write(t.resolve("big.bin"), big);
    Files.createLink(t.resolve("big-link.bin"), t.resolve("big.bin"));
    Files.createSymbolicLink(t.resolve("sym"), Path.of("/etc/opq/new"));
    Files.writeString(t.resolve("empty"), "");
    Files.writeString(t.resolve("ünïcode.txt"), "u\n");
    return t;
  }

  /**
   * Runs a real tool and returns what it wrote to stdout. A tool that fails, or takes more than a
   * minute, fails the test: these tools are part of the build's environment.
   */
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

  private void assertRegenerates(byte[] stored, byte[] plain) throws IOException {
    LayerRecord l =
        fix.layers()
            .importTar(null, new ByteArrayInputStream(stored), null, null, "test layer")
            .layer();
    assertThat(l.diffId()).isEqualTo(Digest.sha256(plain, 0, plain.length).toString());
    assertThat(l.size()).isEqualTo(plain.length);
    try (InputStream in = fix.layers().open(l)) {
      assertThat(in.readAllBytes()).isEqualTo(plain);
    }
    try (TarSplitReader split = fix.layers().splitReader(l)) {
      assertThat(split.version()).isEqualTo(3); // headers kept, runs of zeros as their length
    }
  }

  @Test
  void gnuTar() throws Exception {
    Path t = tree();
    byte[] tar = run(List.of("tar", "-C", t.toString(), "-cf", "-", "."));
    assertRegenerates(tar, tar);
    byte[] posix = run(List.of("tar", "--format=posix", "-C", t.toString(), "-cf", "-", "."));
    assertRegenerates(posix, posix);
  }

  @Test
  void gzipAndZstdLayers() throws Exception {
    byte[] tar = run(List.of("tar", "-C", tree().toString(), "-cf", "-", "."));
    ByteArrayOutputStream gz = new ByteArrayOutputStream();
    try (OutputStream o = new GZIPOutputStream(gz)) {
      o.write(tar);
    }
    assertRegenerates(gz.toByteArray(), tar);
    ByteArrayOutputStream zs = new ByteArrayOutputStream();
    try (OutputStream o = new ZstdOutputStream(zs)) {
      o.write(tar);
    }
    fix.close();
    fix = new ImageFixture(dir.resolve("store2"));
    assertRegenerates(zs.toByteArray(), tar);
  }

  @Test
  void pythonTarfilePaxAndGnuWithDuplicatePaths() throws Exception {
    Path t = tree();
    for (String format : List.of("PAX_FORMAT", "GNU_FORMAT")) {
      Path out = dir.resolve(format + ".tar");
      String script =
          String.join(
              "\n",
              "import io, sys, tarfile",
              "with tarfile.open(sys.argv[2], 'w', format=tarfile." + format + ") as t:",
              "    t.add(sys.argv[1], arcname='.')",
              "    for body in (b'first version', b'second, longer version'):",
              "        i = tarfile.TarInfo('dup.txt'); i.size = len(body)",
              "        i.pax_headers = {'SCHILY.xattr.user.note': 'x'}",
              "        t.addfile(i, io.BytesIO(body))",
              "");
      run(List.of("python3", "-c", script, t.toString(), out.toString()));
      byte[] tar = Files.readAllBytes(out);
      fix.close();
      fix = new ImageFixture(dir.resolve("store-" + format));
      assertRegenerates(tar, tar);
    }
  }

  @Test
  @Timeout(value = 3, unit = TimeUnit.MINUTES)
  void gnuTarUstarSparseFilesAndTrailingGarbage() throws Exception {
    Path t = dir.resolve("short");
    Files.createDirectories(t.resolve("etc"));
    Files.writeString(t.resolve("etc/conf"), "a\n");
    Files.createLink(t.resolve("etc/conf-link"), t.resolve("etc/conf"));
    Files.createSymbolicLink(t.resolve("etc/sym"), Path.of("conf"));
    try (var f = new java.io.RandomAccessFile(t.resolve("sparse").toFile(), "rw")) {
      f.setLength(3 << 20); // holes around two data ranges
      f.seek(100_000);
      f.write(new byte[] {1, 2, 3});
      f.seek(2 << 20);
      f.write("middle".getBytes(StandardCharsets.US_ASCII));
    }
    byte[] ustar = run(List.of("tar", "--format=ustar", "-C", t.toString(), "-cf", "-", "."));
    assertRegenerates(ustar, ustar);
    for (String format : List.of("gnu", "posix")) {
      byte[] sparse =
          run(List.of("tar", "-S", "--format=" + format, "-C", t.toString(), "-cf", "-", "."));
      fix.close();
      fix = new ImageFixture(dir.resolve("store-sparse-" + format));
      assertRegenerates(sparse, sparse);
    }
    // blocks after the end: more zeros, then bytes that are no tar at all
    byte[] garbage = new byte[3 * 512];
    new java.util.Random(5).nextBytes(garbage);
    java.io.ByteArrayOutputStream b = new java.io.ByteArrayOutputStream();
    b.writeBytes(ustar);
    b.writeBytes(new byte[1024]);
    b.writeBytes(garbage);
    fix.close();
    fix = new ImageFixture(dir.resolve("store-garbage"));
    assertRegenerates(b.toByteArray(), b.toByteArray());
  }

  @Test
  @Timeout(value = 3, unit = TimeUnit.MINUTES)
  void busyboxTar() throws Exception {
    Tools.require("busybox");
    byte[] tar = run(List.of("busybox", "tar", "-C", tree().toString(), "-cf", "-", "."));
    assertRegenerates(tar, tar);
  }

  /**
   * Go's archive/tar, as Docker, containerd and buildkit write layers: PAX long names, a binary
   * xattr, devices, a FIFO, a hard link and a symlink.
   */
  @Test
  @Timeout(value = 5, unit = TimeUnit.MINUTES)
  void goArchiveTar() throws Exception {
    Path src = dir.resolve("gotar").resolve("main.go");
    Files.createDirectories(src.getParent());
    Files.writeString(
        src,
        String.join(
            "\n",
            "package main",
            "import (\"archive/tar\"; \"os\"; \"strings\"; \"time\")",
            "func main() {",
            "  w := tar.NewWriter(os.Stdout)",
            "  mt := time.Unix(1700000000, 0)",
            "  long := \"usr/\" + strings.Repeat(\"n\", 150) + \"/file\"",
            "  body := []byte(\"hello from go\\n\")",
            "  hs := []*tar.Header{",
            "    {Typeflag: tar.TypeDir, Name: \"usr/\", Mode: 0755, ModTime: mt},",
            "    {Typeflag: tar.TypeReg, Name: long, Mode: 0644, Size: int64(len(body)), ModTime: mt,",
            "      Uname: \"root\", Gname: \"root\",",
            "      PAXRecords: map[string]string{\"SCHILY.xattr.security.capability\": \"\\x01\\x00\\x00\\x02\\xff\"}},",
            "    {Typeflag: tar.TypeLink, Name: \"usr/hard\", Linkname: long, ModTime: mt},",
            "    {Typeflag: tar.TypeSymlink, Name: \"usr/sym\", Linkname: \"hard\", ModTime: mt},",
            "    {Typeflag: tar.TypeChar, Name: \"dev-null\", Mode: 0666, Devmajor: 1, Devminor: 3, ModTime: mt},",
            "    {Typeflag: tar.TypeBlock, Name: \"dev-sda\", Mode: 0660, Devmajor: 8, ModTime: mt},",
            "    {Typeflag: tar.TypeFifo, Name: \"fifo\", Mode: 0600, ModTime: mt},",
            "  }",
            "  for _, h := range hs {",
            "    if err := w.WriteHeader(h); err != nil { panic(err) }",
            "    if h.Typeflag == tar.TypeReg { w.Write(body) }",
            "  }",
            "  if err := w.Close(); err != nil { panic(err) }",
            "}",
            ""));
    Path target = Path.of("target").toAbsolutePath();
    ProcessBuilder pb =
        new ProcessBuilder("go", "run", src.toString())
            .directory(src.getParent().toFile())
            .redirectOutput(dir.resolve("go.tar").toFile())
            .redirectError(dir.resolve("go.err").toFile());
    pb.environment().put("GO111MODULE", "off");
    pb.environment().put("GOFLAGS", "");
    pb.environment().put("GOPATH", target.resolve("gopath").toString());
    pb.environment().put("GOCACHE", target.resolve("gocache").toString());
    Process p = pb.start();
    assertThat(p.waitFor(4, TimeUnit.MINUTES)).as("go run finished").isTrue();
    assertThat(p.exitValue()).as("go run: %s", Files.readString(dir.resolve("go.err"))).isZero();
    byte[] tar = Files.readAllBytes(dir.resolve("go.tar"));
    assertRegenerates(tar, tar);
  }

  @Test
  void canonicalTarOfATreeIsTheSameFromADirectoryAndFromATar() throws Exception {
    Path t = dir.resolve("plain");
    Files.createDirectories(t.resolve("a/b"));
    Files.writeString(t.resolve("a/b/f"), "f\n");
    Files.createSymbolicLink(t.resolve("a/l"), Path.of("b/f"));
    Files.createLink(t.resolve("a/h"), t.resolve("a/b/f"));
    run(List.of("tar", "-C", t.toString(), "-cf", "plain.tar", "."));
    ImportResult fromDir = fix.images().importPath(t.toString(), "d:1");
    ImportResult fromTar = fix.images().importPath(dir.resolve("plain.tar").toString(), "t:1");
    String layer = fromDir.images().get(0).layers().get(0).diffId();
    assertThat(fromTar.images().get(0).layers().get(0).diffId()).isEqualTo(layer);
    assertThat(fromTar.images().get(0).layers().get(0).reused()).isTrue();
    LayerRecord l = fix.layers().get(fromDir.images().get(0).layers().get(0).chainId());
    try (InputStream in = fix.layers().open(l)) {
      byte[] tar = in.readAllBytes();
      assertThat(Digest.sha256(tar, 0, tar.length).toString()).isEqualTo(layer);
    }
  }
}
