package io.strata.store.fleet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.strata.store.blob.BlobService;
import io.strata.store.chunk.ChunkerParams;
import io.strata.store.digest.Digest;
import io.strata.store.engine.ChunkStore;
import io.strata.store.error.CorruptDataException;
import io.strata.store.testing.TestData;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.roaringbitmap.RoaringBitmap;

/**
 * A bucket copy damaged and mended, as a node that does not own the pack sees it (X2), and a node
 * opening after a fleet gc deleted packs its checkpoint lists (X3).
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class FleetDamageTest {
  @TempDir Path dir;

  /**
   * The reading node kept the damaged copy's block in its pack cache and the chunk on its damaged
   * set: after the owner's fsck uploaded its good copy, every read and fsck there still failed.
   */
  @Test
  void aBucketCopyMendedByItsOwnerIsReadWholeAgainByAnotherNode() throws Exception {
    MemoryBucket bucket = new MemoryBucket();
    try (ChunkStore a = FleetNodes.open(dir.resolve("a"), bucket);
        ChunkStore b = FleetNodes.open(dir.resolve("b"), bucket)) {
      new BlobService(a).put(new ByteArrayInputStream(TestData.random(3, 2 << 20)));
      a.publishToBucket(30_000);
      String key = onlyPack(bucket);
      int packId = packId(key);
      byte[] flipped = bucket.objects.get(key).clone();
      flipped[100_000] ^= 1;
      bucket.objects.put(key, flipped);
      b.shared().refresh();
      RoaringBitmap ids = b.chunksIn(Set.of(packId));
      assertThat(ids.getCardinality()).isGreaterThan(1);

      byte[] buf = new byte[ChunkerParams.MAX_CHUNK];
      List<Integer> failed = new ArrayList<>();
      for (int id : ids) {
        try {
          b.read(id, buf);
        } catch (CorruptDataException e) {
          failed.add(id);
        }
      }
      assertThat(failed).hasSize(1);
      int bad = failed.get(0);
      assertThat(b.isDamaged(bad)).isTrue();
      assertThatThrownBy(() -> b.read(bad, buf)).hasMessageContaining("checksum mismatch");

      assertThat(a.fsck().damaged()).hasSize(1); // the owner finds it and uploads again
      a.publishToBucket(30_000);
      assertThat(bucket.objects.get(key)).isNotEqualTo(flipped);

      int n = b.read(bad, buf);
      assertThat(Digest.sha256(buf, 0, n)).isEqualTo(b.digest(bad));
      assertThat(b.fsck().damaged()).isEmpty();
      assertThat(b.isDamaged(bad)).isFalse();
    }
  }

  /**
   * A node down while a fleet gc deleted packs its checkpoint lists blamed their absence on "a gc
   * on a full disk" at its next fsck; the gc's record says what happened.
   */
  @Test
  void aPackAFleetGcDeletedIsNoNoteWhenTheNodeOpensAgain() throws Exception {
    assertThat(notesAfterPackGone(true)).noneMatch(n -> n.contains("is missing"));
  }

  /** Without a gc's record naming it, a pack gone from the bucket is still named. */
  @Test
  void aPackGoneWithoutAFleetGcRecordIsStillNamed() throws Exception {
    assertThat(notesAfterPackGone(false))
        .anyMatch(n -> n.contains("which the index checkpoint lists, is missing"));
  }

  private List<String> notesAfterPackGone(boolean gcRecord) throws Exception {
    MemoryBucket bucket = new MemoryBucket();
    String key;
    try (ChunkStore a = FleetNodes.open(dir.resolve("a"), bucket);
        ChunkStore b = FleetNodes.open(dir.resolve("b"), bucket)) {
      new BlobService(a).put(new ByteArrayInputStream(TestData.random(4, 1 << 20)));
      a.publishToBucket(30_000);
      b.shared().refresh();
      key = onlyPack(bucket);
    }
    int packId = packId(key);
    // What a fleet gc does to a pack it deletes (FleetGc): segment, pack, then its record.
    bucket.objects.remove(String.format("index/%08x.idx", packId));
    bucket.objects.remove(key);
    if (gcRecord) {
      long generation = 1_765_000_000_000L;
      bucket.put(
          "gc/done/" + generation,
          String.format("# packs deleted by fleet gc %d%n%08x%n", generation, packId)
              .getBytes(StandardCharsets.US_ASCII));
    }
    try (ChunkStore b = FleetNodes.open(dir.resolve("b"), bucket)) {
      return b.fsck().notes();
    }
  }

  private static int packId(String key) {
    return Integer.parseUnsignedInt(key.substring("packs/".length(), key.length() - 5), 16);
  }

  private static String onlyPack(MemoryBucket bucket) {
    List<String> packs =
        bucket.objects.keySet().stream().filter(k -> k.startsWith("packs/")).toList();
    assertThat(packs).hasSize(1);
    return packs.get(0);
  }
}
