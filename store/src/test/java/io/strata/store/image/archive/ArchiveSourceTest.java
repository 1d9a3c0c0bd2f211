package io.strata.store.image.archive;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.strata.store.error.InvalidArgumentException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** A file that cannot be read is an I/O error naming it, not a corrupt tar; a corrupt tar is. */
@Timeout(30)
class ArchiveSourceTest {
  @TempDir Path dir;

  @Test
  void aDirectoryGivenAsATarIsAnIoErrorNamingIt() throws Exception {
    Path d = Files.createDirectory(dir.resolve("image.tar"));
    assertThatThrownBy(() -> ArchiveSource.tar(d))
        .isInstanceOf(UncheckedIOException.class)
        .hasMessage("archive " + d + ": cannot be read: Is a directory");
    assertThatThrownBy(() -> ArchiveSource.tarHasAny(d, Set.of("manifest.json")))
        .isInstanceOf(UncheckedIOException.class)
        .hasMessageNotContaining("corrupt");
  }

  @Test
  void aCorruptTarStaysACorruptTar() throws Exception {
    Path f = dir.resolve("bad.tar");
    Files.write(
        f, "not a tar at all".repeat(64).getBytes(java.nio.charset.StandardCharsets.US_ASCII));
    assertThatThrownBy(() -> ArchiveSource.tar(f))
        .isInstanceOf(InvalidArgumentException.class)
        .hasMessageContaining("archive bad.tar: not a tar archive");
  }
}
