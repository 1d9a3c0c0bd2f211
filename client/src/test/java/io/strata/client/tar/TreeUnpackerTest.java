package io.strata.client.tar;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.TimeUnit;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

class TreeUnpackerTest {
  @TempDir Path dir;

  private Path fresh(String name) throws IOException {
    return Files.createDirectories(dir.resolve(name));
  }

  private static void unpack(byte[] tar, Path into) throws IOException {
    TreeUnpacker.unpack(new ByteArrayInputStream(tar), into, "test tar");
  }

  /**
   * A hostile tar, entry by entry: "d/" a directory, "f" a file, "s>T" a symlink, "h=T" a hard
   * link.
   */
  private static byte[] tar(String... specs) throws IOException {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    try (TarArchiveOutputStream t = new TarArchiveOutputStream(b)) {
      for (String spec : specs) {
        TarArchiveEntry e;
        byte[] content = new byte[0];
        if (spec.contains(">")) {
          e = new TarArchiveEntry(spec.substring(0, spec.indexOf('>')), TarConstants.LF_SYMLINK);
          e.setLinkName(spec.substring(spec.indexOf('>') + 1));
        } else if (spec.contains("=")) {
          e = new TarArchiveEntry(spec.substring(0, spec.indexOf('=')), TarConstants.LF_LINK);
          e.setLinkName(spec.substring(spec.indexOf('=') + 1));
        } else if (spec.endsWith("/")) {
          e = new TarArchiveEntry(spec);
        } else {
          e = new TarArchiveEntry(spec, true);
          content = spec.getBytes(StandardCharsets.UTF_8);
          e.setSize(content.length);
        }
        t.putArchiveEntry(e);
        t.write(content);
        t.closeArchiveEntry();
      }
    }
    return b.toByteArray();
  }

  @Test
  void aNamedTreeTarUnpacksToTheSameTree() throws Exception {
    Path src = fresh("src");
    Files.createDirectories(src.resolve("sub"));
    Path tool = Files.writeString(src.resolve("sub/tool"), "#!/bin/sh\n");
    Files.setPosixFilePermissions(tool, PosixFilePermissions.fromString("rwxr-x---"));
    Files.setLastModifiedTime(tool, FileTime.fromMillis(1_700_000_000_000L));
    Files.createLink(src.resolve("sub/tool2"), tool);
    Files.createSymbolicLink(src.resolve("abs-link"), Path.of("/etc/passwd"));
    Path ro = Files.createDirectories(src.resolve("ro"));
    Files.writeString(ro.resolve("inside"), "x");
    Files.setPosixFilePermissions(ro, PosixFilePermissions.fromString("r-xr-xr-x"));

    ByteArrayOutputStream out = new ByteArrayOutputStream();
    TreeTar.writeNamed(src, "app", out);
    Path into = fresh("into");
    unpack(out.toByteArray(), into);

    Path app = into.resolve("app");
    assertThat(app.resolve("sub/tool")).hasContent("#!/bin/sh");
    assertThat(
            PosixFilePermissions.toString(Files.getPosixFilePermissions(app.resolve("sub/tool"))))
        .isEqualTo("rwxr-x---");
    assertThat(Files.getLastModifiedTime(app.resolve("sub/tool")).toMillis())
        .isEqualTo(1_700_000_000_000L);
    assertThat(Files.isSameFile(app.resolve("sub/tool"), app.resolve("sub/tool2"))).isTrue();
    assertThat(Files.readSymbolicLink(app.resolve("abs-link"))).isEqualTo(Path.of("/etc/passwd"));
    assertThat(app.resolve("ro/inside")).hasContent("x");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(app.resolve("ro"))))
        .isEqualTo("r-xr-xr-x");
    Files.setPosixFilePermissions(ro, PosixFilePermissions.fromString("rwxr-xr-x"));
    Files.setPosixFilePermissions(app.resolve("ro"), PosixFilePermissions.fromString("rwxr-xr-x"));
  }

  @Test
  void aSingleFileIsItsOwnTopEntry() throws Exception {
    Path file = Files.writeString(dir.resolve("notes.txt"), "hello");
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    TreeTar.writeNamed(file, "renamed.txt", out);
    Path into = fresh("into");
    unpack(out.toByteArray(), into);
    assertThat(into.resolve("renamed.txt")).hasContent("hello");
    assertThatThrownBy(() -> TreeTar.writeNamed(file, "../x", new ByteArrayOutputStream()))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void childrenComeAtTheTop() throws Exception {
    Path src = fresh("src");
    Files.writeString(src.resolve("a"), "a");
    Files.createDirectories(src.resolve("b"));
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    TreeTar.writeChildren(src, out);
    Path into = fresh("into");
    unpack(out.toByteArray(), into);
    assertThat(into.resolve("a")).hasContent("a");
    assertThat(into.resolve("b")).isDirectory();
  }

  @Test
  void namesOutsideTheDirectoryAreRefused() throws Exception {
    Path into = fresh("into");
    assertThatThrownBy(() -> unpack(tar("ok", "../escaped"), into))
        .hasMessageContaining("entry ../escaped leaves the directory");
    assertThatThrownBy(() -> unpack(tar("/abs"), fresh("into2")))
        .hasMessageContaining("entry /abs has an absolute or invalid name");
    assertThat(dir.resolve("escaped")).doesNotExist();
  }

  @Test
  void writesThroughASymlinkAreRefused() throws Exception {
    Path outside = fresh("outside");
    Path into = fresh("into");
    assertThatThrownBy(() -> unpack(tar("up>" + outside, "up/planted"), into))
        .hasMessageContaining("entry up/planted passes through up, which is not a directory");
    assertThat(outside).isEmptyDirectory();
    assertThat(Files.isSymbolicLink(into.resolve("up")))
        .as("links are made, never followed")
        .isTrue();

    Path into2 = fresh("into2");
    assertThatThrownBy(() -> unpack(tar("rel>..", "rel/planted"), into2))
        .hasMessageContaining("passes through rel");
    assertThat(dir.resolve("planted")).doesNotExist();
  }

  @Test
  void hardLinksMustNameAFileUnpackedBefore() throws Exception {
    Path secret = Files.writeString(dir.resolve("secret"), "secret");
    assertThatThrownBy(() -> unpack(tar("h=../secret"), fresh("into")))
        .hasMessageContaining("entry ../secret leaves the directory");
    assertThatThrownBy(() -> unpack(tar("h=" + secret), fresh("into2")))
        .hasMessageContaining("absolute");
    Path into3 = fresh("into3");
    assertThatThrownBy(() -> unpack(tar("up>" + dir, "h=up/secret"), into3))
        .hasMessageContaining("passes through up");
    assertThatThrownBy(() -> unpack(tar("h=missing"), fresh("into4")))
        .hasMessageContaining("entry h links to missing, which is not a file unpacked before it");
    assertThat(Files.getAttribute(secret, "unix:nlink", LinkOption.NOFOLLOW_LINKS)).isEqualTo(1);
  }

  @Test
  void aLaterEntryReplacesAFileButNeverADirectory() throws Exception {
    Path into = fresh("into");
    unpack(tar("f", "f"), into);
    assertThat(into.resolve("f")).hasContent("f");
    assertThatThrownBy(() -> unpack(tar("d/", "d/x", "d"), fresh("into2")))
        .hasMessageContaining("entry d would replace a directory");
  }

  /**
   * F9 (session 17): setuid, setgid and sticky bits come out as the container holds them, as docker
   * cp keeps them; the JDK's permission sets have no name for them and dropped them.
   */
  @Test
  @Timeout(value = 30, unit = TimeUnit.SECONDS)
  void setuidSetgidAndStickyBitsAreKept() throws Exception {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    try (TarArchiveOutputStream t = new TarArchiveOutputStream(b)) {
      for (Object[] spec :
          new Object[][] {
            {"stk/", 01777}, {"sg/", 02775}, {"sg/gfile", 02755}, {"s", 04755}, {"all", 07777}
          }) {
        String name = (String) spec[0];
        TarArchiveEntry e =
            name.endsWith("/") ? new TarArchiveEntry(name) : new TarArchiveEntry(name, true);
        e.setMode((int) spec[1]);
        byte[] content = name.endsWith("/") ? new byte[0] : new byte[] {'x'};
        e.setSize(content.length);
        t.putArchiveEntry(e);
        t.write(content);
        t.closeArchiveEntry();
      }
    }
    Path into = fresh("into");
    unpack(b.toByteArray(), into);
    assertThat(mode(into.resolve("stk"))).isEqualTo("1777");
    assertThat(mode(into.resolve("sg"))).isEqualTo("2775");
    assertThat(mode(into.resolve("sg/gfile"))).isEqualTo("2755");
    assertThat(into.resolve("sg/gfile")).hasContent("x");
    assertThat(mode(into.resolve("s"))).isEqualTo("4755");
    assertThat(mode(into.resolve("all"))).isEqualTo("7777");
  }

  private static String mode(Path p) throws IOException {
    int m = (Integer) Files.getAttribute(p, "unix:mode", LinkOption.NOFOLLOW_LINKS);
    return Integer.toOctalString(m & 07777);
  }
}
