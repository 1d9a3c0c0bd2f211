package io.strata.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The Go programs under the containerd module's {@code src/test/go}, built against containerd 1.6's
 * sources (Debian's golang-github-containerd-containerd-dev) with Debian's Go 1.19 in GOPATH mode,
 * offline; each once per test run, into {@code target/}.
 */
final class GoPrograms {
  private static final Path SOURCES = Path.of("..", "containerd", "src", "test", "go");
  private static final Path GOCODE = Path.of("/usr/share/gocode");
  private static final Map<String, Path> built = new HashMap<>();

  private GoPrograms() {}

  /** containerd's snapshotter and content test suites as one test binary. */
  static Path suites() throws IOException, InterruptedException {
    return build("", List.of("test", "-c"), "strata-containerd-suites.test");
  }

  /** {@code pullunpack}: containerd's Pull with its unpacker, as the CRI plugin pulls. */
  static Path pullUnpack() throws IOException, InterruptedException {
    return build("pullunpack", List.of("build"), "pullunpack");
  }

  private static synchronized Path build(String dir, List<String> how, String name)
      throws IOException, InterruptedException {
    Path have = built.get(name);
    if (have != null) {
      return have;
    }
    assertThat(GOCODE.resolve("src/github.com/containerd/containerd/snapshots/testsuite"))
        .as("containerd's sources: apt-get install golang-github-containerd-containerd-dev")
        .isDirectory();
    Path target = Path.of("target").toAbsolutePath();
    Path out = target.resolve(name);
    Path log = target.resolve(name + ".build.log");
    List<String> cmd = new java.util.ArrayList<>(List.of("go"));
    cmd.addAll(how);
    cmd.addAll(List.of("-o", out.toString(), "."));
    ProcessBuilder pb =
        new ProcessBuilder(cmd)
            .directory(SOURCES.resolve(dir).toFile())
            .redirectErrorStream(true)
            .redirectOutput(log.toFile());
    pb.environment().put("GO111MODULE", "off");
    pb.environment().put("GOFLAGS", "");
    pb.environment().put("GOPATH", target.resolve("gopath") + ":" + GOCODE);
    pb.environment().put("GOCACHE", target.resolve("gocache").toString());
    Process p = pb.start();
    boolean done = p.waitFor(15, TimeUnit.MINUTES);
    if (!done) {
      p.destroyForcibly();
    }
    assertThat(done && p.exitValue() == 0)
        .as("go %s of %s (Debian's golang-go): %s", how, name, Files.readString(log))
        .isTrue();
    built.put(name, out);
    return out;
  }
}
