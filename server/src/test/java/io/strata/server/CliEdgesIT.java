package io.strata.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real {@code bin/strata} where the process's own streams and environment matter (a re-test of
 * session 26, AA1, AA2 and AA5 in docs/ADVERSARIAL.md): standard output on a full device, a token
 * file without end, empty settings.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class CliEdgesIT {
  /** The checkout: failsafe runs in the module's directory. */
  private static final Path ROOT = Path.of("").toAbsolutePath().getParent();

  @TempDir Path dir;

  private record Run(int code, String out, String err) {}

  private static Run strata(Map<String, String> env, File stdout, String... args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of(ROOT.resolve("bin/strata").toString()));
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd);
    pb.environment().remove("STRATA_HOST");
    pb.environment().remove("STRATA_TOKEN_FILE");
    pb.environment().putAll(env);
    if (stdout != null) {
      pb.redirectOutput(stdout);
    }
    Process p = pb.start();
    p.getOutputStream().close();
    String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
    String out =
        stdout != null ? "" : new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("strata %s ended", List.of(args)).isTrue();
    return new Run(p.exitValue(), out, err);
  }

  @Test
  void aListingThatCannotBeWrittenFailsInsteadOfEndingWell() throws Exception {
    try (TestServer s = TestServer.start(dir.resolve("root"))) {
      Map<String, String> env = Map.of("STRATA_HOST", s.address().toString());
      File full = new File("/dev/full");
      // the quick path, the full CLI (--json, --debug) and a command of its own; each prints
      // something on an empty store (a listing with -q would print nothing, and rightly end well)
      for (String[] args :
          new String[][] {{"ps"}, {"images"}, {"--json", "ps"}, {"--debug", "images"}, {"info"}}) {
        Run r = strata(env, full, args);
        assertThat(r.code()).as(String.join(" ", args)).isEqualTo(1);
        assertThat(r.err())
            .as(String.join(" ", args))
            .startsWith("strata: cannot write standard output: No space left on device");
      }
      assertThat(strata(env, null, "ps").code()).isZero();
    }
  }

  @Test
  void aTokenFileWithoutEndIsRefusedAtOnce() throws Exception {
    try (TestServer s = TestServer.start(dir.resolve("root"))) {
      long started = System.nanoTime();
      Run r =
          strata(
              Map.of("STRATA_HOST", s.address().toString()),
              null,
              "--token-file",
              "/dev/zero",
              "ps");
      assertThat(r.code()).isEqualTo(3);
      assertThat(r.err()).contains("token file /dev/zero: larger than the");
      assertThat(System.nanoTime() - started).isLessThan(TimeUnit.SECONDS.toNanos(30));
      Run d =
          strata(
              Map.of("STRATA_HOST", s.address().toString()),
              null,
              "--token-file",
              dir.toString(),
              "ps");
      assertThat(d.err()).contains("token file " + dir + " is a directory");
    }
  }

  @Test
  void anEmptySettingIsNoSetting() throws Exception {
    try (TestServer s = TestServer.start(dir.resolve("root"))) {
      Run r =
          strata(
              Map.of("STRATA_HOST", s.address().toString(), "STRATA_TOKEN_FILE", ""), null, "ps");
      assertThat(r.code()).as(r.err()).isZero();
      assertThat(r.out()).startsWith("CONTAINER ID");
      Run e = strata(Map.of("STRATA_HOST", ""), null, "ps");
      assertThat(e.err()).doesNotContain("--host").contains("127.0.0.1:7420");
      Run t = strata(Map.of("STRATA_HOST", s.address().toString()), null, "--token-file=", "ps");
      assertThat(t.code()).isEqualTo(2);
      assertThat(t.err()).contains("--token-file: an empty path names no file");
    }
  }

  @Test
  void anEmptyAncestorIsRefusedWithNoContainerToFilter() throws Exception {
    try (TestServer s = TestServer.start(dir.resolve("root"))) {
      Map<String, String> env = Map.of("STRATA_HOST", s.address().toString());
      // the quick path and the full CLI alike, as dangling= is refused on an empty store
      for (String[] args :
          new String[][] {{"ps", "-f", "ancestor="}, {"--json", "ps", "-f", "ancestor="}}) {
        Run r = strata(env, null, args);
        assertThat(r.code()).as(String.join(" ", args)).isEqualTo(2);
        assertThat(r.out()).as(String.join(" ", args)).isEmpty();
        assertThat(r.err())
            .as(String.join(" ", args))
            .contains("invalid filter 'ancestor=': expected an image name, id or id prefix");
      }
    }
  }

  @Test
  void downloadsToAFullStandardOutputSaySoAndDashIsStandardOutput() throws Exception {
    try (TestServer s = TestServer.start(dir.resolve("root"))) {
      Map<String, String> env = Map.of("STRATA_HOST", s.address().toString());
      byte[] data = new byte[3 << 20];
      new java.util.Random(5).nextBytes(data);
      Path f = java.nio.file.Files.write(dir.resolve("blob"), data);
      String digest = strata(env, null, "blob", "put", f.toString()).out().trim();
      assertThat(digest).startsWith("sha256:");
      Path tar =
          java.nio.file.Files.write(dir.resolve("l.tar"), Tars.of("big", "x".repeat(1 << 20)));
      assertThat(strata(env, null, "image", "import", tar.toString(), "-t", "img:1").code())
          .isZero();
      File full = new File("/dev/full");
      for (String[] args :
          new String[][] {
            {"blob", "get", digest},
            {"blob", "get", digest, "-o", "-"},
            {"image", "export", "img:1", "-o", "-"}
          }) {
        Run r = strata(env, full, args);
        assertThat(r.code()).as(String.join(" ", args)).isEqualTo(1);
        assertThat(r.err())
            .as(String.join(" ", args))
            .isEqualTo("strata: cannot write standard output: No space left on device\n");
      }
      // -o - is standard output, as for save and export: no file named -
      File out = dir.resolve("out").toFile();
      assertThat(strata(env, out, "blob", "get", digest, "-o", "-").code()).isZero();
      assertThat(java.nio.file.Files.readAllBytes(out.toPath())).isEqualTo(data);
    }
  }
}
