package io.strata.client.tar;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TreeTarTest {
  @TempDir Path dir;

  private byte[] tar(Path root) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    TreeTar.write(root, out);
    return out.toByteArray();
  }

  private static List<TarArchiveEntry> entries(byte[] tar) throws IOException {
    List<TarArchiveEntry> out = new ArrayList<>();
    try (TarArchiveInputStream in = new TarArchiveInputStream(new ByteArrayInputStream(tar))) {
      TarArchiveEntry e;
      while ((e = in.getNextEntry()) != null) {
        out.add(e);
      }
    }
    return out;
  }

  @Test
  void recordsTheTreeSortedWithModesLinksAndWholeSecondTimes() throws Exception {
    Path root = Files.createDirectories(dir.resolve("root"));
    Files.createDirectories(root.resolve("b/deep"));
    Path tool = Files.writeString(root.resolve("b/tool"), "#!/bin/sh\n");
    Files.setPosixFilePermissions(tool, PosixFilePermissions.fromString("rwxr-x---"));
    Files.setLastModifiedTime(tool, FileTime.fromMillis(1_700_000_000_750L));
    Files.createLink(root.resolve("b/tool2"), tool);
    Files.createSymbolicLink(root.resolve("a-link"), Path.of("/etc/passwd"));
    Files.writeString(root.resolve("c.txt"), "c");

    List<TarArchiveEntry> es = entries(tar(root));
    assertThat(es.stream().map(TarArchiveEntry::getName))
        .containsExactly("./", "./a-link", "./b/", "./b/deep/", "./b/tool", "./b/tool2", "./c.txt");
    assertThat(es.get(1).isSymbolicLink()).isTrue();
    assertThat(es.get(1).getLinkName()).isEqualTo("/etc/passwd");
    assertThat(es.get(4).getMode()).isEqualTo(0750);
    assertThat(es.get(4).getSize()).isEqualTo(10);
    assertThat(es.get(4).getModTime().getTime()).isEqualTo(1_700_000_000_000L);
    assertThat(es.get(5).isLink()).as("a hard link to the first path").isTrue();
    assertThat(es.get(5).getLinkName()).isEqualTo("./b/tool");
    assertThat(tar(root)).as("the same tree, the same bytes").isEqualTo(tar(root));
  }

  @Test
  void refusesFifos() throws Exception {
    Path root = Files.createDirectories(dir.resolve("root"));
    Process p = new ProcessBuilder("mkfifo", root.resolve("pipe").toString()).start();
    org.junit.jupiter.api.Assumptions.assumeTrue(p.waitFor() == 0, "mkfifo is not available");
    assertThatThrownBy(() -> tar(root))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("pipe")
        .hasMessageContaining("FIFO");
  }
}
