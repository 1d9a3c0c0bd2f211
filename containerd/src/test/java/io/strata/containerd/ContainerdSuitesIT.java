package io.strata.containerd;

import static org.assertj.core.api.Assertions.assertThat;

import io.strata.store.engine.ChunkStore;
import io.strata.store.engine.Engine;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * containerd's own test suites (containerd 1.6, Debian's golang-github-containerd-containerd-dev)
 * over the containerd socket, on each driver: the snapshotter suite ({@code snapshots/testsuite})
 * through containerd's {@code snapshots/proxy} client and the content store suite ({@code
 * content/testsuite}) through its {@code content/proxy} client. The harness is {@code src/test/go};
 * Go 1.19 (Debian's golang-go) builds it offline in GOPATH mode. It must run as root (the suite
 * mounts).
 *
 * <p>Until stratad serves snapshots through FUSE, every case that mounts a snapshot fails at its
 * first mount; this asserts that the cases that mount nothing pass, and that each other case fails
 * only there (the kernel's "no such device" for the mount stratad hands out without FUSE).
 */
class ContainerdSuitesIT {
  /** containerd's content store suite: every case passes. */
  static final List<String> CONTENT =
      List.of(
          "Writer",
          "UpdateStatus",
          "CommitExists",
          "Resume",
          "ResumeTruncate",
          "ResumeDiscard",
          "ResumeCopy",
          "ResumeCopySeeker",
          "ResumeCopyReaderAt",
          "SmallBlob",
          "Labels",
          "CommitErrorState");

  /** The suite's cases that never mount a snapshot. */
  static final List<String> NEED_NO_MOUNTS =
      List.of("Update", "Remove", "Walk", "StatInWalk", "CloseTwice");

  /** Cases the suite itself skips for every snapshotter but overlayfs. */
  static final List<String> SKIPPED_BY_SUITE = List.of("Rename");

  /** Cases that mount snapshots: they wait for FUSE. */
  static final List<String> NEED_MOUNTS =
      List.of(
          "Basic",
          "StatActive",
          "StatComitted",
          "TransitivityTest",
          "PreareViewFailingtest",
          "LayerFileupdate",
          "RemoveDirectoryInLowerLayer",
          "Chown",
          "DirectoryPermissionOnCommit",
          "RemoveIntermediateSnapshot",
          "DeletedFilesInChildSnapshot",
          "MoveFileFromLowerLayer",
          "ViewReadonly",
          "RootPermission",
          "128LayersMount");

  private static final Path HARNESS = Path.of("src", "test", "go");
  private static final Path GOCODE = Path.of("/usr/share/gocode");
  private static Path binary;

  @TempDir Path dir;

  /** Builds the harness once per run (1 to 6 minutes the first time, cached after). */
  private static synchronized Path harness() throws IOException, InterruptedException {
    if (binary != null) {
      return binary;
    }
    assertThat(GOCODE.resolve("src/github.com/containerd/containerd/snapshots/testsuite"))
        .as("containerd's test suite: apt-get install golang-github-containerd-containerd-dev")
        .isDirectory();
    Path target = Path.of("target").toAbsolutePath();
    Path out = target.resolve("strata-containerd-suites.test");
    Path log = target.resolve("strata-containerd-suites.build.log");
    ProcessBuilder pb =
        new ProcessBuilder("go", "test", "-c", "-o", out.toString(), ".")
            .directory(HARNESS.toFile())
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
        .as("go test -c of the harness (Debian's golang-go): %s", Files.readString(log))
        .isTrue();
    binary = out;
    return binary;
  }

  @ParameterizedTest
  @ValueSource(strings = {"btrfs", "zfs"})
  @Timeout(value = 25, unit = TimeUnit.MINUTES)
  void containerdsSuitesOverTheSocket(String driver) throws Exception {
    Path suite = harness();
    String output;
    try (Engine engine = Engine.open(dir.resolve("data"), driver, ChunkStore.Options.defaults());
        ContainerdServer server =
            ContainerdServer.start(
                engine, dir.resolve("ctrd.sock"), SnapshotMounts.unavailable())) {
      Path log = dir.resolve("suite.log");
      ProcessBuilder pb =
          new ProcessBuilder(suite.toString(), "-test.root", "-test.v", "-test.timeout", "8m")
              .directory(dir.toFile())
              .redirectErrorStream(true)
              .redirectOutput(log.toFile());
      pb.environment().put("STRATA_CONTAINERD_SOCKET", server.socket().toString());
      Process p = pb.start();
      boolean done = p.waitFor(10, TimeUnit.MINUTES);
      if (!done) {
        p.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
      }
      output = Files.readString(log, StandardCharsets.UTF_8);
      assertThat(done).as("the suite ends within 10 minutes: %s", output).isTrue();
    }
    Map<String, String> results = results(output);
    Map<String, String> segments = segments(output);
    Map<String, String> expected = new TreeMap<>();
    NEED_NO_MOUNTS.forEach(t -> expected.put(SNAPSHOTS + t, "PASS"));
    SKIPPED_BY_SUITE.forEach(t -> expected.put(SNAPSHOTS + t, "SKIP"));
    NEED_MOUNTS.forEach(t -> expected.put(SNAPSHOTS + t, "FAIL"));
    CONTENT.forEach(t -> expected.put(CONTENT_STORE + t, "PASS"));
    assertThat(results).as(output).isEqualTo(expected);
    for (String t : NEED_MOUNTS) {
      assertThat(segments.getOrDefault(SNAPSHOTS + t, ""))
          .as("%s fails only at its first mount:%n%s", t, segments.get(t))
          .contains("no such device");
    }
  }

  private static final String SNAPSHOTS = "TestStrataSnapshotter/";
  private static final String CONTENT_STORE = "TestStrataContentStore/";

  private static final Pattern RESULT =
      Pattern.compile("^\\s*--- (PASS|FAIL|SKIP): (TestStrata\\w+/\\S+)", Pattern.MULTILINE);

  /** Each case's outcome ({@code TestStrataX/Case}), from {@code go test -v} output. */
  static Map<String, String> results(String output) {
    Map<String, String> out = new TreeMap<>();
    Matcher m = RESULT.matcher(output);
    while (m.find()) {
      out.put(m.group(2), m.group(1));
    }
    return out;
  }

  private static final Pattern HEADER =
      Pattern.compile("^=== (?:RUN|CONT|PAUSE)\\s+(TestStrata\\w+/\\S+)$");

  /** What each case logged: the lines after its {@code === CONT} header. */
  static Map<String, String> segments(String output) {
    Map<String, String> out = new LinkedHashMap<>();
    String current = null;
    List<String> lines = new ArrayList<>(output.lines().toList());
    for (String line : lines) {
      Matcher h = HEADER.matcher(line);
      if (h.matches()) {
        current = h.group(1);
        out.putIfAbsent(current, "");
      } else if (line.trim().startsWith("--- ") || line.startsWith("===")) {
        current = null;
      } else if (current != null) {
        out.merge(current, line + "\n", String::concat);
      }
    }
    return out;
  }
}
