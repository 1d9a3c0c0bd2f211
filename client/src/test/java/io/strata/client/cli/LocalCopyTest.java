package io.strata.client.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** docker cp's placement rules on the local side, fed by a stand-in for the server's tar. */
class LocalCopyTest {
  @TempDir Path dir;

  /** What the server sends for a file: one top entry named after it. */
  private static LocalCopy.Receive file(String name, String content) {
    return stage -> Files.writeString(stage.resolve(name), content);
  }

  /** What the server sends for directory {@code name} holding {@code a} and {@code sub/b}. */
  private static LocalCopy.Receive tree(String name) {
    return stage -> {
      Path top = Files.createDirectories(stage.resolve(name).resolve("sub"));
      Files.writeString(top.getParent().resolve("a"), "a");
      Files.writeString(top.resolve("b"), "b");
    };
  }

  private void copy(String source, Path dest, LocalCopy.Receive receive) throws IOException {
    copy(source, dest.toString(), receive);
  }

  private void copy(String source, String dest, LocalCopy.Receive receive) throws IOException {
    LocalCopy.receive(CopyPath.parse(source), dest, receive);
  }

  private long leftovers() throws IOException {
    try (Stream<Path> s = Files.walk(dir)) {
      return s.filter(p -> p.getFileName().toString().startsWith(".strata-cp-")).count();
    }
  }

  @Test
  void aFileLandsInADirectoryUnderItsName() throws Exception {
    Path out = Files.createDirectories(dir.resolve("out"));
    copy("c1:/etc/hosts", out, file("hosts", "127.0.0.1"));
    assertThat(out.resolve("hosts")).hasContent("127.0.0.1");
    assertThat(leftovers()).isZero();
  }

  @Test
  void aFileToAMissingPathTakesThatName() throws Exception {
    copy("c1:/etc/hosts", dir.resolve("copy.txt"), file("hosts", "x"));
    assertThat(dir.resolve("copy.txt")).hasContent("x");
    copy("c1:/etc/hosts", dir.resolve("copy.txt"), file("hosts", "replaced"));
    assertThat(dir.resolve("copy.txt")).hasContent("replaced");
  }

  @Test
  void aDirectoryIsCreatedMergedOrItsContentCopied() throws Exception {
    copy("c1:/app", dir.resolve("new"), tree("app"));
    assertThat(dir.resolve("new/sub/b")).hasContent("b");

    Path existing = Files.createDirectories(dir.resolve("existing/app/sub"));
    Files.writeString(existing.resolve("keep"), "keep");
    copy("c1:/app", dir.resolve("existing"), tree("app"));
    assertThat(dir.resolve("existing/app/sub/b")).hasContent("b");
    assertThat(dir.resolve("existing/app/sub/keep")).hasContent("keep");

    Path flat = Files.createDirectories(dir.resolve("flat"));
    copy("c1:/app/.", flat, tree("app"));
    assertThat(flat.resolve("a")).hasContent("a");
    assertThat(flat.resolve("app")).doesNotExist();
    assertThat(leftovers()).isZero();
  }

  @Test
  void refusalsLeaveNothingBehind() throws Exception {
    Path file = Files.writeString(dir.resolve("file"), "file");
    assertThatThrownBy(() -> copy("c1:/app", file, tree("app")))
        .hasMessageContaining("cannot copy directory c1:/app onto file");
    assertThat(file).hasContent("file");
    assertThatThrownBy(() -> copy("c1:/etc/hosts", dir + "/missing/", file("hosts", "x")))
        .hasMessageContaining("destination directory " + dir + "/missing/ does not exist");
    assertThatThrownBy(() -> copy("c1:/etc/hosts", dir.resolve("no/such"), file("hosts", "x")))
        .hasMessageContaining("does not exist");
    assertThatThrownBy(
            () ->
                copy(
                    "c1:/app",
                    dir.resolve("half"),
                    stage -> {
                      tree("app").into(stage);
                      throw new IOException("connection lost");
                    }))
        .hasMessage("connection lost");
    assertThat(dir.resolve("half")).doesNotExist();
    assertThat(leftovers()).isZero();
  }

  @Test
  void placingNeverFollowsASymlinkBelowTheDestination() throws Exception {
    Path outside = Files.createDirectories(dir.resolve("outside"));
    Path out = Files.createDirectories(dir.resolve("out"));
    Files.createSymbolicLink(out.resolve("app"), outside);
    assertThatThrownBy(() -> copy("c1:/app", out, tree("app")))
        .hasMessageContaining("cannot overwrite non-directory");
    assertThat(outside).isEmptyDirectory();
  }
}
