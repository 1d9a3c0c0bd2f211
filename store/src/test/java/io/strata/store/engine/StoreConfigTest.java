package io.strata.store.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.strata.store.chunk.ChunkerParams;
import io.strata.store.error.CorruptDataException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code chunks/config}: a store of format 1 is upgraded to format 2 when this release opens it,
 * before anything of format 2 is written, so that a release that knows only format 1 refuses the
 * root instead of cutting its open pack at the first group record (docs/ADVERSARIAL.md, AI1); a
 * format from a newer release is refused, naming the file.
 */
@Timeout(30)
class StoreConfigTest {
  @TempDir Path dir;

  private Path config(String format) throws IOException {
    Path f = dir.resolve(StoreConfig.FILE);
    Files.writeString(
        f, "format=" + format + "\nchunker.min=65536\nchunker.avg=262144\nchunker.max=1048576\n");
    return f;
  }

  @Test
  void aFormat1StoreIsUpgradedToFormat2OnOpenKeepingItsChunker() throws IOException {
    Path f = config("1");
    StoreConfig c = StoreConfig.loadOrCreate(dir, ChunkerParams.DEFAULT);
    assertThat(c.formatVersion()).isEqualTo(2);
    assertThat(c.chunker()).isEqualTo(new ChunkerParams(65536, 262144, 1048576));
    assertThat(Files.readString(f)).contains("format=2").contains("chunker.avg=262144");
  }

  @Test
  void aNewStoreIsFormat2() throws IOException {
    assertThat(StoreConfig.loadOrCreate(dir, ChunkerParams.DEFAULT).formatVersion()).isEqualTo(2);
    assertThat(Files.readString(dir.resolve(StoreConfig.FILE))).contains("format=2");
  }

  @Test
  void aFormatFromANewerReleaseIsRefusedNamingTheFileAndLeftAsItIs() throws IOException {
    Path f = config("3");
    assertThatThrownBy(() -> StoreConfig.loadOrCreate(dir, ChunkerParams.DEFAULT))
        .isInstanceOf(CorruptDataException.class)
        .hasMessageContaining(f.toString())
        .hasMessageContaining("format version 3 is not one this release reads (1 to 2)")
        .hasMessageContaining("a newer release made it");
    assertThat(Files.readString(f)).contains("format=3");
  }
}
