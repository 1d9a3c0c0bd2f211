package io.strata.client.tar;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.GZIPOutputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(30)
class ImageArchiveCheckTest {
  @TempDir Path dir;

  /** A tar (PAX for long names) with one entry per name: names ending in / are directories. */
  private static byte[] tar(String... names) throws IOException {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    try (TarArchiveOutputStream t = new TarArchiveOutputStream(b)) {
      t.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
      for (String name : names) {
        TarArchiveEntry e;
        byte[] content = new byte[0];
        if (name.endsWith("/")) {
          e = new TarArchiveEntry(name);
        } else {
          e = new TarArchiveEntry(name, true);
          content = ("content of " + name).repeat(100).getBytes(StandardCharsets.UTF_8);
          e.setSize(content.length);
        }
        t.putArchiveEntry(e);
        t.write(content);
        t.closeArchiveEntry();
      }
    }
    return b.toByteArray();
  }

  private boolean plain(byte[] tar) throws IOException {
    return ImageArchiveCheck.plainTar(Files.write(dir.resolve("t.tar"), tar));
  }

  @Test
  void aTreeTarIsPlain() throws IOException {
    assertThat(plain(tar("./", "./etc/", "./etc/os-release", "./usr/share/doc/index.json")))
        .isTrue();
  }

  @Test
  void aMarkerAtTheTopMakesAnArchiveWhereverItComes() throws IOException {
    assertThat(plain(tar("blobs/", "blobs/sha256/ab", "index.json"))).isFalse();
    assertThat(plain(tar("./layer.tar", "./manifest.json", "./repositories"))).isFalse();
    assertThat(plain(tar("/index.json"))).isFalse();
  }

  @Test
  void aMarkerDirectoryOrAMarkerBelowTheTopIsNone() throws IOException {
    assertThat(plain(tar("manifest.json/", "manifest.json/x", "a/index.json"))).isTrue();
  }

  @Test
  void aLongPaxNameIsReadInFull() throws IOException {
    String deep = "d/".repeat(80);
    // the ustar field holds a cut name; only the PAX path says this is no marker ...
    assertThat(plain(tar(deep + "index.json"))).isTrue();
    // ... and a PAX path names a marker at the top whatever the ustar field says
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    try (TarArchiveOutputStream t = new TarArchiveOutputStream(b)) {
      t.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
      TarArchiveEntry e = new TarArchiveEntry("./" + "./".repeat(60) + "manifest.json", true);
      t.putArchiveEntry(e);
      t.closeArchiveEntry();
    }
    assertThat(plain(b.toByteArray())).isFalse();
  }

  @Test
  void aSymlinkNamedAsAMarkerCountsAsTheServerCountsIt() throws IOException {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    try (TarArchiveOutputStream t = new TarArchiveOutputStream(b)) {
      TarArchiveEntry e = new TarArchiveEntry("manifest.json", TarConstants.LF_SYMLINK);
      e.setLinkName("elsewhere");
      t.putArchiveEntry(e);
      t.closeArchiveEntry();
    }
    assertThat(plain(b.toByteArray())).isFalse();
  }

  @Test
  void whatCannotBeReadForSureIsLeftToTheServer() throws IOException {
    byte[] good = tar("./", "./a.txt", "./b.txt");
    ByteArrayOutputStream gz = new ByteArrayOutputStream();
    try (OutputStream z = new GZIPOutputStream(gz)) {
      z.write(good);
    }
    assertThat(plain(gz.toByteArray())).as("gzip").isFalse();
    assertThat(plain(Arrays.copyOf(good, 1024 + 100))).as("truncated").isFalse();
    byte[] damaged = good.clone();
    damaged[0] ^= 1; // the first header's checksum no longer matches
    assertThat(plain(damaged)).as("bad checksum").isFalse();
    assertThat(plain(new byte[0])).as("empty").isFalse();
  }

  @Test
  void aSizeLargerThanTheFileIsLeftToTheServerAndDoesNotOverflow() throws IOException {
    byte[] t = tar("./a.txt");
    // the size field in base-256: 2^63 - 1, which past the header overflows a file position
    t[124] = (byte) 0x80;
    Arrays.fill(t, 125, 128, (byte) 0);
    t[128] = 0x7f;
    Arrays.fill(t, 129, 136, (byte) 0xff);
    Arrays.fill(t, 148, 156, (byte) ' ');
    long sum = 0;
    for (int i = 0; i < 512; i++) {
      sum += t[i] & 0xff;
    }
    byte[] checksum = String.format("%06o\0 ", sum).getBytes(StandardCharsets.US_ASCII);
    System.arraycopy(checksum, 0, t, 148, 8);
    assertThat(plain(t)).isFalse();
  }

  @Test
  void aDirectoryIsPlainUnlessAMarkerFileIsAtItsTop() throws IOException {
    Path tree = Files.createDirectories(dir.resolve("tree"));
    Files.createDirectories(tree.resolve("sub"));
    Files.writeString(tree.resolve("sub/index.json"), "{}");
    assertThat(ImageArchiveCheck.plainDirectory(tree)).isTrue();
    Files.createDirectory(tree.resolve("manifest.json"));
    assertThat(ImageArchiveCheck.plainDirectory(tree)).as("a directory is no marker").isTrue();
    Files.writeString(tree.resolve("index.json"), "{}");
    assertThat(ImageArchiveCheck.plainDirectory(tree)).isFalse();
  }
}
