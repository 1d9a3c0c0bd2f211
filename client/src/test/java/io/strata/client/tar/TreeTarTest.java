package io.strata.client.tar;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(value = 2, unit = TimeUnit.MINUTES)
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

  /** The server's canonical layer tar names no user: neither may the client's, whoever runs it. */
  @Test
  void namesNoUserWhoeverRunsTheClient() throws Exception {
    Path root = Files.createDirectories(dir.resolve("root"));
    Files.writeString(root.resolve("f"), "f");
    String was = System.getProperty("user.name");
    List<TarArchiveEntry> es;
    try {
      System.setProperty("user.name", "someone-else");
      es = entries(tar(root));
    } finally {
      System.setProperty("user.name", was);
    }
    assertThat(es).hasSize(2);
    assertThat(es).allSatisfy(e -> assertThat(e.getUserName()).isEmpty());
  }

  private static void sh(String cmd) throws Exception {
    Process p = new ProcessBuilder("sh", "-c", cmd).redirectErrorStream(true).start();
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).as(cmd).isTrue();
    assertThat(p.exitValue())
        .as("%s: %s", cmd, new String(p.getInputStream().readAllBytes()))
        .isZero();
  }

  /**
   * A name that is not valid UTF-8 is refused naming its bytes: the JDK's string of it has U+FFFD
   * for the bad byte, so {@code bad\xff1} and {@code bad\xfe1} were one entry. A real U+FFFD, valid
   * UTF-8, and {@code café} are kept.
   */
  @Test
  void aNameOrLinkTargetThatIsNotUtf8IsRefusedNamingIt() throws Exception {
    Path root = Files.createDirectories(dir.resolve("names"));
    Files.createDirectories(root.resolve("sub"));
    sh("cd " + root + " && printf x > \"$(printf 'caf\\303\\251')\"");
    sh("cd " + root + " && printf x > \"$(printf 'real\\357\\277\\275')\"");
    assertThat(entries(tar(root)).stream().map(TarArchiveEntry::getName))
        .containsExactly("./", "./caf\u00e9", "./real\ufffd", "./sub/");
    sh("cd " + root + "/sub && printf y > \"$(printf 'bad\\3771')\"");
    assertThatThrownBy(() -> tar(root))
        .isInstanceOf(IOException.class)
        .hasMessage(
            "directory "
                + root
                + ": file \"sub/bad\\xff1\": the name is not valid UTF-8 (Strata keeps file"
                + " names as UTF-8)");
    sh("rm " + root + "/sub/bad* && ln -s \"$(printf 'to\\376')\" " + root + "/sub/l");
    assertThatThrownBy(() -> tar(root))
        .isInstanceOf(IOException.class)
        .hasMessage(
            "directory "
                + root
                + ": file \"sub/l\": the link target \"to\\xfe\" is not valid UTF-8 (Strata"
                + " keeps file names as UTF-8)");
    ByteArrayOutputStream layer = new ByteArrayOutputStream();
    assertThatThrownBy(() -> TreeTar.writeLayer(root, layer)).isInstanceOf(IOException.class);
  }

  /** A debootstrap /dev: devices and FIFOs are entries of their own; sockets are left out. */
  @Test
  void recordsFifosAndDevicesAndLeavesOutSockets() throws Exception {
    Path root = Files.createDirectories(dir.resolve("root"));
    Path dev = Files.createDirectories(root.resolve("dev"));
    // needs root (CAP_MKNOD), as the build runs: a missing capability fails here, never skips
    sh("mknod -m 0666 " + dev.resolve("null") + " c 1 3");
    sh("mknod -m 0660 " + dev.resolve("loop0") + " b 7 0");
    sh("mknod -m 0600 " + dev.resolve("odd") + " c 300 70000");
    sh("mkfifo -m 0640 " + dev.resolve("initctl"));
    sh("chown 0:6 " + dev.resolve("loop0"));
    sh("ln " + dev.resolve("initctl") + " " + dev.resolve("initctl2"));
    try (ServerSocketChannel s = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
      s.bind(UnixDomainSocketAddress.of(dev.resolve("log")));
      List<String> got = new ArrayList<>();
      for (TarArchiveEntry e : entries(tar(root))) {
        got.add(
            String.format(
                "%s %c %o %d:%d %d,%d %s",
                e.getName(),
                (char) e.getLinkFlag(),
                e.getMode(),
                e.getLongUserId(),
                e.getLongGroupId(),
                e.getDevMajor(),
                e.getDevMinor(),
                e.getLinkName()));
      }
      assertThat(got)
          .containsExactly(
              "./ 5 755 0:0 0,0 ",
              "./dev/ 5 755 0:0 0,0 ",
              "./dev/initctl 6 640 0:0 0,0 ",
              "./dev/initctl2 1 640 0:0 0,0 ./dev/initctl",
              "./dev/loop0 4 660 0:6 7,0 ",
              "./dev/null 3 666 0:0 1,3 ",
              "./dev/odd 3 600 0:0 300,70000 ");
    }
  }
}
