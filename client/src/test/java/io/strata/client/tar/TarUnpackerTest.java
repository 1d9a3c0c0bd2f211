package io.strata.client.tar;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TarUnpackerTest {
  @TempDir Path dir;

  /** A tar with one entry per name: names ending in / are directories, "@x" symlinks to x. */
  private static byte[] tar(String... names) throws IOException {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    try (TarArchiveOutputStream t = new TarArchiveOutputStream(b)) {
      for (String name : names) {
        TarArchiveEntry e;
        byte[] content = new byte[0];
        if (name.startsWith("@")) {
          e = new TarArchiveEntry("link", TarConstants.LF_SYMLINK);
          e.setLinkName(name.substring(1));
        } else if (name.endsWith("/")) {
          e = new TarArchiveEntry(name);
        } else {
          e = new TarArchiveEntry(name, true);
          content = name.getBytes(StandardCharsets.UTF_8);
          e.setSize(content.length);
        }
        t.putArchiveEntry(e);
        t.write(content);
        t.closeArchiveEntry();
      }
    }
    return b.toByteArray();
  }

  private void unpack(byte[] tar, Path into) throws IOException {
    TarUnpacker.unpack(new ByteArrayInputStream(tar), into, "test tar");
  }

  @Test
  void unpacksAnOciLayout() throws Exception {
    Path out = Files.createDirectories(dir.resolve("out"));
    unpack(tar("oci-layout", "index.json", "blobs/", "blobs/sha256/", "blobs/sha256/ab"), out);
    assertThat(out.resolve("index.json")).hasContent("index.json");
    assertThat(out.resolve("blobs/sha256/ab")).hasContent("blobs/sha256/ab");
  }

  @Test
  void refusesEntriesOutsideTheDirectoryAndLinks() throws Exception {
    Path out = Files.createDirectories(dir.resolve("out"));
    assertThatThrownBy(() -> unpack(tar("ok", "../escaped"), out))
        .hasMessageContaining("entry ../escaped leaves the directory");
    assertThatThrownBy(() -> unpack(tar("a/../../escaped"), out))
        .hasMessageContaining("leaves the directory");
    assertThatThrownBy(() -> unpack(tar("@/etc"), out))
        .hasMessageContaining("entry link is neither a file nor a directory");
    assertThat(dir.resolve("escaped")).doesNotExist();
  }
}
