package io.strata.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code strata cp} out of a container through a real stratad and the real CLI, as {@code docker
 * cp}: setuid, setgid and sticky bits come out on the host (F9, session 17; runs as root, as CI
 * does, where chmod keeps every bit), and {@code -L} follows a symlink SRC inside the container's
 * root, the copy taking the link's name (F20).
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class CopyModesAndLinksIT {
  @TempDir static Path dir;
  private static TestServer server;

  @BeforeAll
  static void start() throws Exception {
    server = TestServer.start(dir.resolve("data"));
    Path base = Files.createDirectories(dir.resolve("base/etc"));
    Files.writeString(base.resolve("hostname"), "in the container\n");
    ok("image", "import", base.getParent().toString(), "-t", "cp-base:1");
  }

  @AfterAll
  static void stop() {
    if (server != null) {
      server.close();
    }
  }

  private static TestServer.CliRun run(String... args) {
    return server.cli(args);
  }

  private static TestServer.CliRun ok(String... args) {
    TestServer.CliRun r = run(args);
    assertThat(r.code()).as("strata %s: %s", String.join(" ", args), r.stderr()).isZero();
    return r;
  }

  private static void write(String container, String path, String content) {
    TestServer.CliRun r =
        server.cli(
            Map.of(),
            new ByteArrayInputStream(content.getBytes(StandardCharsets.UTF_8)),
            "fs",
            container,
            "write",
            path);
    assertThat(r.code()).as("fs write %s: %s", path, r.stderr()).isZero();
  }

  private static String mode(Path p) throws Exception {
    int m = (Integer) Files.getAttribute(p, "unix:mode", LinkOption.NOFOLLOW_LINKS);
    return Integer.toOctalString(m & 07777);
  }

  @Test
  void setuidSetgidAndStickyBitsComeOutAsTheContainerHoldsThem() throws Exception {
    ok("create", "--name", "modes", "cp-base:1");
    ok("fs", "modes", "mkdir", "/stk");
    ok("fs", "modes", "chmod", "1777", "/stk");
    ok("fs", "modes", "mkdir", "/sg");
    ok("fs", "modes", "chmod", "2775", "/sg");
    write("modes", "/sg/gfile", "x\n");
    ok("fs", "modes", "chmod", "2755", "/sg/gfile");
    write("modes", "/s", "s\n");
    ok("fs", "modes", "chmod", "4755", "/s");

    Path out = Files.createDirectories(dir.resolve("modes-out"));
    ok("cp", "modes:/stk", out.resolve("stk").toString());
    ok("cp", "modes:/sg", out.resolve("sg").toString());
    ok("cp", "modes:/s", out.resolve("s").toString());
    assertThat(mode(out.resolve("stk"))).isEqualTo("1777");
    assertThat(mode(out.resolve("sg"))).isEqualTo("2775");
    assertThat(mode(out.resolve("sg/gfile"))).isEqualTo("2755");
    assertThat(out.resolve("sg/gfile")).hasContent("x");
    assertThat(mode(out.resolve("s"))).isEqualTo("4755");
    assertThat(out.resolve("s")).hasContent("s");
  }

  @Test
  void followLinkCopiesWhatTheLinkLeadsToInsideTheContainer() throws Exception {
    ok("create", "--name", "links", "-v", "linkvol:/vol", "cp-base:1");
    ok("fs", "links", "mkdir", "/dst");
    write("links", "/dst/a", "A\n");
    ok("fs", "links", "chmod", "0640", "/dst/a");
    ok("fs", "links", "ln", "-s", "/dst/a", "/abs2");
    ok("fs", "links", "ln", "-s", "dst/a", "/rel");
    ok("fs", "links", "ln", "-s", "/abs2", "/chain");
    ok("fs", "links", "ln", "-s", "../../../dst/a", "/up"); // .. stops at the container's root
    ok("fs", "links", "ln", "-s", "/dst", "/dlink");
    // the host has an /etc/hostname too: the container's is the one an absolute link names, from
    // the layer and from a volume alike
    ok("fs", "links", "ln", "-s", "/etc/hostname", "/hn");
    ok("fs", "links", "ln", "-s", "/etc/hostname", "/vol/hn");
    ok("fs", "links", "ln", "-s", "../etc/hostname", "/vol/up-hn");
    ok("fs", "links", "ln", "-s", "/nope", "/dangling");
    ok("fs", "links", "ln", "-s", "/loop2", "/loop1");
    ok("fs", "links", "ln", "-s", "/loop1", "/loop2");

    Path out = Files.createDirectories(dir.resolve("links-out"));
    ok("cp", "-L", "links:/abs2", out.resolve("abs2L").toString());
    assertThat(Files.isSymbolicLink(out.resolve("abs2L"))).isFalse();
    assertThat(out.resolve("abs2L")).hasContent("A");
    assertThat(mode(out.resolve("abs2L"))).as("the target's mode").isEqualTo("640");
    ok("cp", "links:/abs2", out.resolve("abs2").toString());
    assertThat(Files.readSymbolicLink(out.resolve("abs2")))
        .as("without -L the link itself")
        .isEqualTo(Path.of("/dst/a"));

    for (String link : List.of("rel", "chain", "up")) {
      ok("cp", "--follow-link", "links:/" + link, out.toString());
      assertThat(out.resolve(link)).as(link).isRegularFile().hasContent("A");
    }
    ok("cp", "-L", "links:/dlink", out.resolve("d").toString());
    assertThat(out.resolve("d")).isDirectory();
    assertThat(out.resolve("d/a")).hasContent("A");
    for (String link : List.of("hn", "vol/hn", "vol/up-hn")) {
      Path to = out.resolve(link.replace('/', '-'));
      ok("cp", "-L", "links:/" + link, to.toString());
      assertThat(to).as(link).hasContent("in the container");
    }

    // a volume's link as a directory in the middle of a path goes on in the container's names
    // too, with or without -L, for cp and fs alike (AE4)
    ok("fs", "links", "ln", "-s", "/etc", "/vol/etcdir");
    ok("fs", "links", "ln", "-s", "..", "/vol/top");
    assertThat(ok("fs", "links", "cat", "/vol/etcdir/hostname").stdout())
        .asString(StandardCharsets.UTF_8)
        .isEqualTo("in the container\n");
    assertThat(ok("fs", "links", "ls", "/vol/top/etc").stdout())
        .asString(StandardCharsets.UTF_8)
        .contains("hostname");
    ok("cp", "links:/vol/top/etc/hostname", out.resolve("mid-hn").toString());
    assertThat(out.resolve("mid-hn")).hasContent("in the container");

    List<String> names = new ArrayList<>();
    try (TarArchiveInputStream tar =
        new TarArchiveInputStream(
            new ByteArrayInputStream(ok("cp", "-L", "links:/chain", "-").stdout()))) {
      for (TarArchiveEntry e = tar.getNextEntry(); e != null; e = tar.getNextEntry()) {
        assertThat(e.isFile()).as(e.getName()).isTrue();
        names.add(e.getName());
      }
    }
    assertThat(names).containsExactly("chain");

    TestServer.CliRun dangling = run("cp", "-L", "links:/dangling", out.resolve("x").toString());
    assertThat(dangling.code()).as(dangling.stderr()).isEqualTo(4);
    assertThat(dangling.stderr()).contains("/dangling leads to /nope, which does not exist");
    TestServer.CliRun loop = run("cp", "-L", "links:/loop1", out.resolve("y").toString());
    assertThat(loop.code()).as(loop.stderr()).isNotZero();
    assertThat(loop.stderr()).contains("too many levels of symlinks");
    assertThat(out.resolve("x")).doesNotExist();
    assertThat(out.resolve("y")).doesNotExist();
  }
}
