package io.strata.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * containerd's own test suites (containerd 1.6, Debian's golang-github-containerd-containerd-dev)
 * against a real {@code stratad --containerd-socket} on each driver: the snapshotter suite ({@code
 * snapshots/testsuite}) through containerd's {@code snapshots/proxy} client, mounting what
 * stratad's Mounts answers (a bind of the snapshot's FUSE mount), and the content store suite
 * ({@code content/testsuite}) through its {@code content/proxy} client. The harness is the
 * containerd module's {@code src/test/go}; Go 1.19 (Debian's golang-go) builds it offline in GOPATH
 * mode. It runs as root: the suite mounts.
 */
class ContainerdSuitesIT {
  /** containerd's content store suite. */
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

  /** containerd's snapshotter suite; all but Rename mount snapshots and write through them. */
  static final List<String> SNAPSHOTTER =
      List.of(
          "Update",
          "Remove",
          "Walk",
          "StatInWalk",
          "CloseTwice",
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

  /** Cases the suite itself skips for every snapshotter but overlayfs. */
  static final List<String> SKIPPED_BY_SUITE = List.of("Rename");

  @TempDir Path dir;

  @BeforeAll
  static void fuse() {
    assertThat(Path.of("/dev/fuse"))
        .as("/dev/fuse is missing: the suite mounts snapshots through FUSE (and needs root)")
        .exists();
  }

  @ParameterizedTest
  @ValueSource(strings = {"btrfs", "zfs"})
  @Timeout(value = 25, unit = TimeUnit.MINUTES)
  void containerdsSuitesPassOnARealStratad(String driver) throws Exception {
    Path suite = GoPrograms.suites();
    Path socket = dir.resolve("ctrd.sock");
    Path data = dir.resolve("data");
    String output;
    try (StratadProcess s =
        StratadProcess.launch(
            dir.resolve("logs"),
            "--data",
            data.toString(),
            "--driver",
            driver,
            "--containerd-socket",
            socket.toString())) {
      assertThat(s.awaitReady()).as(s.stderr()).isTrue();
      Path log = dir.resolve("suite.log");
      ProcessBuilder pb =
          new ProcessBuilder(suite.toString(), "-test.root", "-test.v", "-test.timeout", "12m")
              .directory(dir.toFile())
              .redirectErrorStream(true)
              .redirectOutput(log.toFile());
      pb.environment().put("STRATA_CONTAINERD_SOCKET", socket.toString());
      Process p = pb.start();
      boolean done = p.waitFor(15, TimeUnit.MINUTES);
      if (!done) {
        p.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
      }
      output = Files.readString(log, StandardCharsets.UTF_8);
      assertThat(done).as("the suite ends within 15 minutes: %s", output).isTrue();

      // The snapshots still served are mounted under the data root; a stop detaches them all.
      s.process().destroy();
      assertThat(s.awaitExit()).as(s.stderr()).isZero();
      assertThat(Files.readString(Path.of("/proc/self/mounts"))).doesNotContain(data.toString());
    }
    Map<String, String> expected = new TreeMap<>();
    SNAPSHOTTER.forEach(t -> expected.put(SNAPSHOTS + t, "PASS"));
    SKIPPED_BY_SUITE.forEach(t -> expected.put(SNAPSHOTS + t, "SKIP"));
    CONTENT.forEach(t -> expected.put(CONTENT_STORE + t, "PASS"));
    assertThat(results(output)).as(output).isEqualTo(expected);
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
}
