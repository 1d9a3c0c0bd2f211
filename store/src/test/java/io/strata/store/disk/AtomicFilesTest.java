package io.strata.store.disk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The durable file and directory moves every small file of a data root goes through. */
@Timeout(value = 1, unit = TimeUnit.MINUTES)
class AtomicFilesTest {
  @TempDir Path dir;

  @Test
  void aWriteReplacesTheWholeFileAndLeavesNoTemporary() throws IOException {
    Path f = dir.resolve("config");
    AtomicFiles.write(f, "old".getBytes(StandardCharsets.UTF_8));
    AtomicFiles.write(f, "new content".getBytes(StandardCharsets.UTF_8));
    assertThat(f).hasContent("new content");
    assertThat(AtomicFiles.temporaryOf(f)).doesNotExist();
  }

  @Test
  void aFailedWriteKeepsTheOldContentAndDropsTheTemporary() throws IOException {
    Path f = dir.resolve("config");
    AtomicFiles.write(f, "old".getBytes(StandardCharsets.UTF_8));
    assertThatThrownBy(
            () ->
                AtomicFiles.write(
                    f,
                    out -> {
                      out.write('x');
                      throw new IOException("the writer failed");
                    }))
        .hasMessage("the writer failed");
    assertThat(f).hasContent("old");
    assertThat(AtomicFiles.temporaryOf(f)).doesNotExist();
  }

  @Test
  void aDeleteRemovesATreeButNeverWhatALinkInItPointsAt() throws IOException {
    Path outside = Files.createDirectories(dir.resolve("outside"));
    Files.writeString(outside.resolve("keep"), "mine");
    Path tree = Files.createDirectories(dir.resolve("tree/a/b"));
    Files.writeString(tree.resolve("f"), "x");
    Files.createSymbolicLink(dir.resolve("tree/a/link"), outside);
    Files.createSymbolicLink(dir.resolve("tree/dangling"), dir.resolve("nowhere"));

    AtomicFiles.deleteRecursively(dir.resolve("tree"));

    assertThat(dir.resolve("tree")).doesNotExist();
    assertThat(outside.resolve("keep")).hasContent("mine");
    // Absent already: nothing to do.
    AtomicFiles.deleteRecursively(dir.resolve("tree"));
  }

  @Test
  void aPublishedDirectoryAppearsWholeAndARemovedOneGoesWhole() throws IOException {
    Path staged = Files.createDirectories(dir.resolve(".new-1/data"));
    Files.writeString(staged.resolve("f"), "x");
    Path target = dir.resolve("vol");

    AtomicFiles.publishDirectory(dir.resolve(".new-1"), target);
    assertThat(target.resolve("data/f")).hasContent("x");
    assertThat(dir.resolve(".new-1")).doesNotExist();

    AtomicFiles.removeDirectory(target, dir.resolve(".rm-1"));
    assertThat(target).doesNotExist();
    assertThat(dir.resolve(".rm-1")).doesNotExist();
  }
}
