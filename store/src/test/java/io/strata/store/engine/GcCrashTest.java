package io.strata.store.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.strata.store.blob.BlobService;
import io.strata.store.digest.Digest;
import io.strata.store.testing.TestData;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a crash in the middle of a GC leaves on disk, laid out deterministically: the previous index
 * checkpoint still names a chunk GC had judged dead and dropped from memory, while a put
 * acknowledged meanwhile stored the same bytes again under a new id at the tail of a pack.
 */
@Timeout(60)
class GcCrashTest {
  @TempDir Path data;

  private ChunkStore open() throws IOException {
    return ChunkStore.open(data, ChunkStore.Options.defaults());
  }

  @Test
  void aPutRacingGcIsReadableAfterACrashBeforeGcCheckpoints() throws IOException {
    byte[] large = TestData.random(1, 4 << 20);
    // Under a disk block once stored: a gc punches the blocks of what died in place, but only
    // after its own checkpoint is durable, so in the crash simulated here (the index as it was
    // before gc, put back after the whole gc ran) nothing may have been punched.
    byte[] small = TestData.text(2, 3 << 10);
    Digest smallDigest;
    try (ChunkStore s = open()) {
      BlobService blobs = new BlobService(s);
      blobs.put(new ByteArrayInputStream(large));
      smallDigest = blobs.put(new ByteArrayInputStream(small)).digest();
    }
    // The checkpoint taken before GC ran: it names the small object's chunk.
    Path index = data.resolve("index");
    Path before = data.resolve("index.before-gc");
    Files.copy(index, before);

    ChunkStore crashed = open();
    BlobService blobs = new BlobService(crashed);
    blobs.remove(smallDigest);
    // GC finds the chunk dead and drops it from the index; its pack stays (too little is dead).
    assertThat(crashed.gc().chunksRemoved()).isEqualTo(1);
    // A put of the same bytes now stores a new copy under a new id, and is acknowledged.
    assertThat(blobs.put(new ByteArrayInputStream(small)).newChunks()).isEqualTo(1);
    // The process dies before GC's checkpoint reached the disk: the old one is still there.
    Files.move(before, index, StandardCopyOption.REPLACE_EXISTING);

    try (ChunkStore reopened = open()) {
      BlobService after = new BlobService(reopened);
      assertThat(after.open(smallDigest, 0, -1).readAllBytes()).isEqualTo(small);
      assertThat(reopened.fsck().clean()).isTrue();
      // The next GC removes the stale copy and keeps the acknowledged one.
      assertThat(reopened.gc().chunksRemoved()).isEqualTo(1);
      assertThat(after.open(smallDigest, 0, -1).readAllBytes()).isEqualTo(small);
      assertThat(reopened.fsck().clean()).isTrue();
    }
    try (ChunkStore again = open()) {
      assertThat(new BlobService(again).open(smallDigest, 0, -1).readAllBytes()).isEqualTo(small);
    }
  }
}
