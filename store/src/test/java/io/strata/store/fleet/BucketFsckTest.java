package io.strata.store.fleet;

import static org.assertj.core.api.Assertions.assertThat;

import io.strata.store.blob.BlobService;
import io.strata.store.engine.ChunkStore;
import io.strata.store.engine.FsckReport;
import io.strata.store.testing.TestData;
import java.io.ByteArrayInputStream;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * fsck of a shared store holds the index against the bucket, which is what the fleet reads: a pack
 * deleted behind the fleet's back is damage on every node, the owner's included (it holds a copy),
 * though a node or its cache still has the bytes. It said "no damage" while the image could not be
 * read by a node without a copy (docs/ADVERSARIAL.md, E5).
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class BucketFsckTest {
  @TempDir Path dir;

  @Test
  void aPackGoneFromTheBucketIsDamageOnEveryNode() throws Exception {
    MemoryBucket bucket = new MemoryBucket();
    try (ChunkStore a = FleetNodes.open(dir.resolve("a"), bucket);
        ChunkStore b = FleetNodes.open(dir.resolve("b"), bucket)) {
      new BlobService(a).put(new ByteArrayInputStream(TestData.random(1, 2 << 20)));
      a.publishToBucket(30_000);
      b.shared().refresh();
      assertThat(a.fsck().damaged()).isEmpty();
      assertThat(b.fsck().damaged()).isEmpty();
      List<String> packs =
          bucket.objects.keySet().stream().filter(k -> k.startsWith("packs/")).toList();
      assertThat(packs).hasSize(1);
      bucket.objects.remove(packs.get(0));

      List<FsckReport.Damage> onB = b.fsck().damaged();
      assertThat(onB).isNotEmpty();
      assertThat(onB.get(0).chunk()).startsWith("pack ");
      assertThat(onB.get(0).problem()).startsWith("it is not in " + bucket.location() + "; ");
      List<FsckReport.Damage> onA = a.fsck().damaged();
      assertThat(onA).isNotEmpty();
      assertThat(onA.get(0).problem())
          .contains("(this node holds a copy: it uploads it again when it starts)");
    }
  }

  /**
   * A byte of the owner's pack flipped in the bucket: the owner, whose own copy is whole, found no
   * damage and nothing mended the copy the fleet reads (E5). Its fsck now finds it, by the entity
   * tag where it is an MD5 and byte for byte where it is not, and uploads its good copy again.
   */
  @ParameterizedTest
  @ValueSource(booleans = {true, false})
  void aDamagedBucketCopyIsFoundByItsOwnerAndUploadedAgain(boolean md5Tags) throws Exception {
    MemoryBucket bucket = new MemoryBucket();
    bucket.md5Tags = md5Tags;
    byte[] data = TestData.random(2, 2 << 20);
    try (ChunkStore a = FleetNodes.open(dir.resolve("a"), bucket);
        ChunkStore b = FleetNodes.open(dir.resolve("b"), bucket)) {
      new BlobService(a).put(new ByteArrayInputStream(data));
      a.publishToBucket(30_000);
      String key =
          bucket.objects.keySet().stream().filter(k -> k.startsWith("packs/")).findFirst().get();
      byte[] good = bucket.objects.get(key).clone();
      byte[] flipped = good.clone();
      flipped[100_000] ^= 1;
      bucket.objects.put(key, flipped);

      List<FsckReport.Damage> onA = a.fsck().damaged();
      assertThat(onA).hasSize(1);
      assertThat(onA.get(0).problem())
          .startsWith(
              "its copy in "
                  + bucket.location()
                  + " differs from this node's copy from byte 100000: this node's copy checks"
                  + " whole and is uploaded again");
      a.publishToBucket(30_000);
      assertThat(bucket.objects.get(key)).isEqualTo(good);
      assertThat(a.fsck().damaged()).isEmpty();
      b.shared().refresh();
      assertThat(b.fsck().damaged()).isEmpty();
    }
  }
}
