package io.strata.client.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** {@code -o FILE}: what is there already decides how it is written. */
@Timeout(60)
class LocalOutputTest {
  @TempDir Path dir;

  private static LocalOutput.FileBody text(String s) {
    return out -> out.write(s.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void aFifoIsWrittenThroughAndStaysAFifo() throws Exception {
    // stands for a device such as /dev/null: a node that is no regular file
    Path fifo = dir.resolve("fifo");
    Process mk = new ProcessBuilder("mkfifo", fifo.toString()).start();
    assertThat(mk.waitFor(10, TimeUnit.SECONDS) && mk.exitValue() == 0).isTrue();
    CompletableFuture<String> reader =
        CompletableFuture.supplyAsync(
            () -> {
              try (InputStream in = Files.newInputStream(fifo)) {
                return new String(in.readAllBytes(), StandardCharsets.UTF_8);
              } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
              }
            });
    LocalOutput.file(fifo, text("through the fifo"));
    assertThat(reader.get(30, TimeUnit.SECONDS)).isEqualTo("through the fifo");
    assertThat(Files.isRegularFile(fifo, LinkOption.NOFOLLOW_LINKS)).isFalse();
    assertThat(Files.isDirectory(fifo)).isFalse();
  }

  @Test
  void aSymlinkIsFollowedAndStaysALink() throws Exception {
    Path real = Files.writeString(dir.resolve("real.txt"), "old");
    Path link = Files.createSymbolicLink(dir.resolve("link"), Path.of("real.txt"));
    LocalOutput.file(link, text("new"));
    assertThat(Files.isSymbolicLink(link)).isTrue();
    assertThat(real).hasContent("new");

    Path dangling = Files.createSymbolicLink(dir.resolve("dangling"), Path.of("made.txt"));
    LocalOutput.file(dangling, text("made"));
    assertThat(Files.isSymbolicLink(dangling)).isTrue();
    assertThat(dir.resolve("made.txt")).hasContent("made");
  }

  @Test
  void aRegularFileIsReplacedWhole() throws Exception {
    Path f = Files.writeString(dir.resolve("f.txt"), "a longer old content");
    LocalOutput.file(f, text("short"));
    assertThat(f).hasContent("short");
    try (var left = Files.list(dir)) {
      assertThat(left).containsExactly(f);
    }
  }
}
