package io.strata.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.strata.store.testing.Tools;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code bin/stratad} and {@code bin/strata} run with no locale at all, as a systemd unit or a CI
 * job runs them ({@code env -i}): their JVMs would read and make file names in ASCII, so a tar
 * holding {@code café} (Debian's ca-certificates has such names) failed as "truncated or corrupt
 * tar (Input length = 1)" and a directory holding one could not be sent. The launchers give the JVM
 * a UTF-8 locale; names are UTF-8 on both sides (A16, docs/ADVERSARIAL.md).
 */
class NoLocaleIT {
  /** The checkout: failsafe runs in the module's directory. */
  private static final Path ROOT = Path.of("").toAbsolutePath().getParent();

  private static final String UTF8_NAMES = "sun.jnu.encoding = UTF-8";

  @TempDir Path dir;

  private record Run(int code, String out, String err) {}

  /** The environment of {@code env -i PATH=... HOME=...}: no LANG, no LC_*. */
  private Map<String, String> bare() {
    Map<String, String> env = new HashMap<>();
    env.put("PATH", Path.of(System.getProperty("java.home"), "bin") + ":/usr/bin:/bin");
    env.put("HOME", dir.toString());
    return env;
  }

  private static void sh(String cmd) throws Exception {
    Process p = new ProcessBuilder("sh", "-c", cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).as(cmd).isTrue();
    assertThat(p.exitValue()).as("%s: %s", cmd, out).isZero();
  }

  private Run strata(int port, Map<String, String> more, String... args) throws Exception {
    List<String> cmd = new ArrayList<>();
    cmd.add(ROOT.resolve("bin/strata").toString());
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile());
    pb.environment().clear();
    pb.environment().putAll(bare());
    pb.environment().put("STRATA_HOST", "127.0.0.1:" + port);
    pb.environment().putAll(more);
    Path out = Files.createTempFile(dir, "strata", ".out");
    Path err = Files.createTempFile(dir, "strata", ".err");
    Process p = pb.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
    if (!p.waitFor(120, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError("strata " + String.join(" ", args) + " did not end in 2 minutes");
    }
    return new Run(
        p.exitValue(),
        Files.readString(out, StandardCharsets.UTF_8),
        Files.readString(err, StandardCharsets.UTF_8));
  }

  private Run ok(int port, String... args) throws Exception {
    Run r = strata(port, Map.of(), args);
    assertThat(r.code()).as("strata %s: %s", String.join(" ", args), r.err()).isZero();
    return r;
  }

  @Test
  @Timeout(300)
  void theLaunchersReadAndMakeUtf8NamesWithNoLocaleAtAll() throws Exception {
    Tools.require("tar");
    // made with the bytes themselves: this test's own JVM may have no UTF-8 locale either
    Path cafe = Files.createDirectories(dir.resolve("cafe"));
    sh("cd " + cafe + " && printf x > \"$(printf 'caf\\303\\251')\"");
    Path cafeTar = dir.resolve("t2.tar");
    sh("tar -C " + cafe + " -cf " + cafeTar + " .");
    Path bad = Files.createDirectories(dir.resolve("bad"));
    sh("cd " + bad + " && printf y > \"$(printf 'bad\\3771')\"");
    Path badTar = dir.resolve("bad.tar");
    sh("tar -C " + bad + " -cf " + badTar + " .");

    Path stdout = dir.resolve("stratad.out");
    Path stderr = dir.resolve("stratad.err");
    ProcessBuilder pb =
        new ProcessBuilder(
            ROOT.resolve("bin/stratad").toString(),
            "--data",
            dir.resolve("data").toString(),
            "--listen",
            "127.0.0.1:0");
    pb.environment().clear();
    pb.environment().putAll(bare());
    pb.environment().put("STRATAD_JAVA_OPTS", "-XshowSettings:properties");
    Process server = pb.redirectOutput(stdout.toFile()).redirectError(stderr.toFile()).start();
    try {
      String ready = "stratad listening on ";
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
      while (!Files.readString(stdout, StandardCharsets.UTF_8).contains(ready)) {
        assertThat(server.isAlive())
            .as("stratad runs: %s", Files.readString(stderr, StandardCharsets.UTF_8))
            .isTrue();
        assertThat(System.nanoTime()).as("stratad is ready within 2 minutes").isLessThan(deadline);
        Thread.sleep(50);
      }
      assertThat(Files.readString(stderr, StandardCharsets.UTF_8))
          .as("the server's JVM reads file names as UTF-8")
          .contains(UTF8_NAMES);
      String line =
          Files.readString(stdout, StandardCharsets.UTF_8)
              .lines()
              .filter(l -> l.startsWith(ready))
              .findFirst()
              .orElseThrow();
      String address = line.substring(ready.length()).split(" ")[0];
      int port = Integer.parseInt(address.substring(address.lastIndexOf(':') + 1));

      assertThat(strata(port, Map.of("STRATA_JAVA_OPTS", "-XshowSettings:properties"), "version"))
          .as("the client's JVM reads file names as UTF-8")
          .satisfies(r -> assertThat(r.err()).contains(UTF8_NAMES));

      ok(port, "image", "import", cafeTar.toString(), "-t", "cafetar:1");
      ok(port, "image", "import", cafe.toString(), "-t", "cafedir:1");
      for (String image : List.of("cafetar:1", "cafedir:1")) {
        String c = image.replace(':', '-');
        ok(port, "create", "--name", c, image);
        assertThat(ok(port, "fs", c, "ls", "/").out()).isEqualTo("caf\u00e9\n");
      }

      String before = ok(port, "image", "ls").out();
      Run r = strata(port, Map.of(), "image", "import", badTar.toString(), "-t", "bad:1");
      assertThat(r.code()).as(r.err()).isEqualTo(1);
      assertThat(r.err())
          .isEqualTo(
              "strata: tar bad.tar: entry \"./bad\\xff1\": the name is not valid UTF-8 (Strata"
                  + " keeps file names as UTF-8)\n");
      assertThat(ok(port, "image", "ls").out()).isEqualTo(before);
    } finally {
      server.destroy();
      if (!server.waitFor(60, TimeUnit.SECONDS)) {
        server.destroyForcibly();
      }
    }
  }
}
