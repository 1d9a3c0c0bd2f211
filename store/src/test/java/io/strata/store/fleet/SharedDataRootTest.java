package io.strata.store.fleet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.strata.store.blob.BlobService;
import io.strata.store.engine.ChunkStore;
import io.strata.store.error.StrataException;
import io.strata.store.remote.SharedSettings;
import io.strata.store.testing.TestData;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A data root is either a shared store's or a local one, for good: started without --store, a
 * shared store's root served alone, and what it stored could never be uploaded (its packs held
 * records a shared store cannot publish), while its tags were published to nodes that could not
 * read them; a local root joined to a bucket did the same (docs/ADVERSARIAL.md, E3).
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class SharedDataRootTest {
  @TempDir Path dir;

  private static ChunkStore shared(Path chunks, MemoryBucket bucket) throws IOException {
    return ChunkStore.open(
        chunks,
        ChunkStore.Options.defaults()
            .withShared(new SharedSettings(bucket, 64L << 20, 3_600_000, 3_600_000)));
  }

  @Test
  void aSharedStoresRootIsRefusedWithoutItsBucketAndALocalRootIsRefusedByABucket()
      throws Exception {
    MemoryBucket bucket = new MemoryBucket();
    Path sharedChunks = dir.resolve("node/chunks");
    try (ChunkStore s = shared(sharedChunks, bucket)) {
      new BlobService(s).put(new ByteArrayInputStream(TestData.random(1, 1 << 20)));
    }
    assertThatThrownBy(() -> ChunkStore.open(sharedChunks, ChunkStore.Options.defaults()))
        .isInstanceOf(StrataException.class)
        .hasMessageStartingWith(
            "data root " + dir.resolve("node") + " belongs to the store shared through ")
        .hasMessageContaining("start stratad with --store");

    Path localChunks = dir.resolve("local/chunks");
    try (ChunkStore l = ChunkStore.open(localChunks, ChunkStore.Options.defaults())) {
      new BlobService(l).put(new ByteArrayInputStream(TestData.random(2, 1 << 20)));
    }
    assertThatThrownBy(() -> shared(localChunks, bucket))
        .isInstanceOf(StrataException.class)
        .hasMessage(
            "data root "
                + dir.resolve("local")
                + " holds a local store; a store shared through "
                + bucket.location()
                + " needs a data root of its own");
    assertThat(localChunks.resolve("shared")).doesNotExist();
    // both open as they were
    try (ChunkStore s = shared(sharedChunks, bucket);
        ChunkStore l = ChunkStore.open(localChunks, ChunkStore.Options.defaults())) {
      assertThat(s.shared()).isNotNull();
      assertThat(l.shared()).isNull();
    }
    assertThat(Files.exists(dir.resolve("fresh"))).isFalse();
    try (ChunkStore fresh = shared(dir.resolve("fresh/chunks"), bucket)) {
      assertThat(fresh.shared()).isNotNull(); // a new, empty root joins
    }
  }
}
