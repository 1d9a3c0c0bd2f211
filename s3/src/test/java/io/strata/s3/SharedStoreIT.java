package io.strata.s3;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.strata.store.blob.BlobService;
import io.strata.store.blob.PutResult;
import io.strata.store.engine.ChunkStore;
import io.strata.store.error.ConflictException;
import io.strata.store.remote.SharedSettings;
import io.strata.store.testing.TestData;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Chunk stores on different data roots sharing one bucket of a real Ceph radosgw. */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class SharedStoreIT {
  @TempDir Path dir;

  @BeforeAll
  static void s3() throws Exception {
    CephS3.ensureRunning();
  }

  private static ChunkStore open(Path root, S3Settings s3) throws IOException {
    return ChunkStore.open(
        root.resolve("chunks"),
        ChunkStore.Options.defaults()
            .withShared(new SharedSettings(S3ObjectStore.open(s3), 64L << 20, 200, 200)));
  }

  private static List<String> keys(S3Settings s3, String prefix) throws IOException {
    List<String> keys = new ArrayList<>();
    try (S3ObjectStore o = S3ObjectStore.open(s3)) {
      o.list(prefix, (k, size) -> keys.add(k));
    }
    return keys;
  }

  @Test
  void aChunkOneStoreWroteIsReadAndNotStoredAgainByAnother() throws Exception {
    S3Settings s3 = CephS3.freshBucket();
    byte[] data = TestData.text(1, 3 << 20);
    PutResult first;
    try (ChunkStore a = open(dir.resolve("a"), s3)) {
      first = new BlobService(a).put(new ByteArrayInputStream(data));
      assertThat(first.newChunks()).isPositive();
    }
    // A's pack and its index segment are in the bucket, uploaded at its stop.
    assertThat(keys(s3, "packs/")).hasSize(1);
    assertThat(keys(s3, "index/")).hasSize(1);
    try (ChunkStore b = open(dir.resolve("b"), s3)) {
      PutResult again = new BlobService(b).put(new ByteArrayInputStream(data));
      assertThat(again.digest()).isEqualTo(first.digest());
      assertThat(again.newChunks()).isZero();
      assertThat(again.newBytes()).isZero();
      // B holds no pack of its own, and reads A's chunks from the bucket with ranged GETs.
      try (InputStream in = new BlobService(b).open(first.digest(), 0, data.length)) {
        assertThat(in.readAllBytes()).isEqualTo(data);
      }
      var stats = b.shared().stats();
      assertThat(stats.cacheMisses()).isPositive();
      assertThat(stats.fetchedBytes()).isLessThanOrEqualTo(stats.bucketBytes());
      assertThat(b.fsck().damaged()).isEmpty();
    }
  }

  /**
   * radosgw tags a pack with its MD5, so the owner's fsck compares its packs with the bucket's
   * copies without reading them back; a copy changed behind the node's back is found and mended.
   */
  @Test
  void theOwnersFsckFindsADamagedBucketCopyByItsTagAndUploadsItsOwn() throws Exception {
    S3Settings s3 = CephS3.freshBucket();
    try (ChunkStore a = open(dir.resolve("a"), s3);
        S3ObjectStore o = S3ObjectStore.open(s3)) {
      new BlobService(a).put(new ByteArrayInputStream(TestData.random(5, 2 << 20)));
      a.publishToBucket(60_000);
      String key = keys(s3, "packs/").get(0);
      Path local = dir.resolve("a/chunks/packs").resolve(key.substring("packs/".length()));
      byte[] good = Files.readAllBytes(local);
      String[] tag = new String[1];
      o.listTagged(key, (k, size, etag) -> tag[0] = etag);
      String md5 =
          java.util.HexFormat.of()
              .formatHex(java.security.MessageDigest.getInstance("MD5").digest(good));
      assertThat(tag[0]).isEqualTo(md5);

      byte[] bad = good.clone();
      bad[good.length / 2] ^= 1;
      Path badFile = dir.resolve("bad.pack");
      Files.write(badFile, bad);
      o.put(key, badFile);
      var damaged = a.fsck().damaged();
      assertThat(damaged).hasSize(1);
      assertThat(damaged.get(0).problem())
          .contains("differs from this node's copy from byte " + good.length / 2)
          .contains("this node's copy checks whole and is uploaded again");
      a.publishToBucket(60_000);
      assertThat(o.get(key)).isEqualTo(good);
      assertThat(a.fsck().damaged()).isEmpty();
    }
  }

  @Test
  void storesRunningAtOnceSeeEachOthersChunksWithinSeconds() throws Exception {
    S3Settings s3 = CephS3.freshBucket();
    byte[] data = TestData.random(2, 2 << 20);
    try (ChunkStore a = open(dir.resolve("a"), s3);
        ChunkStore b = open(dir.resolve("b"), s3)) {
      PutResult put = new BlobService(a).put(new ByteArrayInputStream(data));
      // A seals its idle pack and uploads it; B's poll adopts the segment.
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (keys(s3, "index/").isEmpty() && System.nanoTime() < deadline) {
        Thread.sleep(200);
      }
      b.shared().refresh();
      PutResult again = new BlobService(b).put(new ByteArrayInputStream(data));
      assertThat(again.newChunks()).isZero();
      assertThat(again.digest()).isEqualTo(put.digest());
      // Ids come from ranges leased apart: B's own new chunk does not collide with A's.
      byte[] other = TestData.random(3, 100_000);
      PutResult mine = new BlobService(b).put(new ByteArrayInputStream(other));
      assertThat(mine.newChunks()).isPositive();
      try (InputStream in = new BlobService(b).open(mine.digest(), 0, other.length)) {
        assertThat(in.readAllBytes()).isEqualTo(other);
      }
    }
    assertThat(keys(s3, "leases/chunk-ids/")).hasSize(2);
  }

  @Test
  void aDataRootRefusesAnotherBucketAndGcRefusesToRunWithoutTheFleetLock() throws Exception {
    S3Settings s3 = CephS3.freshBucket();
    try (ChunkStore a = open(dir.resolve("a"), s3)) {
      new BlobService(a).put(new ByteArrayInputStream(TestData.text(4, 100_000)));
      assertThatThrownBy(a::gc).isInstanceOf(ConflictException.class).hasMessageContaining("gc");
    }
    S3Settings other = CephS3.freshBucket();
    assertThatThrownBy(() -> open(dir.resolve("a"), other))
        .hasMessageContaining("shares " + s3.location());
    assertThat(Files.exists(dir.resolve("a/chunks/shared"))).isTrue();
  }

  @Test
  void aDictionaryOneStoreTrainedReachesTheBucketBeforeTheRecordsThatNeedIt() throws Exception {
    S3Settings s3 = CephS3.freshBucket();
    byte[] data = TestData.text(5, 2 << 20);
    PutResult first;
    int dictId;
    try (ChunkStore a = open(dir.resolve("a"), s3)) {
      com.github.luben.zstd.ZstdDictTrainer t =
          new com.github.luben.zstd.ZstdDictTrainer(4 << 20, 16 << 10);
      for (int i = 0; i < 400; i++) {
        t.addSample(TestData.text(10_000 + i, 4096));
      }
      dictId = a.dictionaries().install(t.trainSamples());
      first = new BlobService(a).put(new ByteArrayInputStream(data));
    }
    // Numbered from A's pack-id lease, so no other node numbers one alike; in the bucket with
    // the pack that needs it.
    assertThat(keys(s3, "dicts/")).containsExactly(String.format("dicts/%08x.dict", dictId));
    try (ChunkStore b = open(dir.resolve("b"), s3)) {
      // B's own blob, of A's chunks (compressed with A's dictionary): nothing stored again.
      assertThat(new BlobService(b).put(new ByteArrayInputStream(data)).newChunks()).isZero();
      try (InputStream in = new BlobService(b).open(first.digest(), 0, data.length)) {
        assertThat(in.readAllBytes()).isEqualTo(data);
      }
      // Kept on B's disk once fetched.
      assertThat(dir.resolve(String.format("b/chunks/dicts/%08x.dict", dictId))).isRegularFile();
      assertThat(b.fsck().damaged()).isEmpty();
    }
  }

  private static long packBytes(S3Settings s3) throws IOException {
    long[] total = {0};
    try (S3ObjectStore o = S3ObjectStore.open(s3)) {
      o.list("packs/", (k, size) -> total[0] += size);
    }
    return total[0];
  }

  @Test
  @SuppressWarnings("try") // a member serves the fleet from its own thread while it is open
  void chunksTwoStoresWroteAtOnceAreAliasedToOneCopyAndTheOtherGoes() throws Exception {
    S3Settings s3 = CephS3.freshBucket();
    byte[] data = TestData.random(6, 3 << 20);
    PutResult pa;
    PutResult pb;
    // Neither store lists the bucket on its own (an hour between polls): each stores the bytes.
    java.util.function.Function<Path, ChunkStore> quiet =
        root -> {
          try {
            return ChunkStore.open(
                root.resolve("chunks"),
                ChunkStore.Options.defaults()
                    .withShared(
                        new SharedSettings(
                            S3ObjectStore.open(s3), 64L << 20, 3_600_000, 3_600_000)));
          } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
          }
        };
    try (ChunkStore a = quiet.apply(dir.resolve("a"));
        ChunkStore b = quiet.apply(dir.resolve("b"))) {
      pa = new BlobService(a).put(new ByteArrayInputStream(data));
      a.publishToBucket(60_000);
      pb = new BlobService(b).put(new ByteArrayInputStream(data));
      b.publishToBucket(60_000);
      long twice = packBytes(s3);
      a.shared().refresh();
      b.shared().refresh();
      try (io.strata.store.fleet.FleetGc fa = io.strata.store.fleet.FleetGc.join(a);
          io.strata.store.fleet.FleetGc fb = io.strata.store.fleet.FleetGc.join(b)) {
        a.gc();
        assertThat(keys(s3, "gc/aliases/")).hasSize(1);
        assertThat(keys(s3, "packs/")).hasSize(1);
        assertThat(packBytes(s3)).isLessThan(twice / 2 + 4096);
        for (var s : List.of(a, b)) {
          PutResult p = s == a ? pa : pb;
          try (InputStream in = new BlobService(s).open(p.digest(), 0, data.length)) {
            assertThat(in.readAllBytes()).isEqualTo(data);
          }
          assertThat(s.fsck().damaged()).isEmpty();
        }
      }
    }
    // B's index checkpoint holds the aliases: reopened, it reads its blob from A's pack.
    try (ChunkStore b = open(dir.resolve("b"), s3);
        InputStream in = new BlobService(b).open(pb.digest(), 0, data.length)) {
      assertThat(in.readAllBytes()).isEqualTo(data);
      assertThat(b.fsck().damaged()).isEmpty();
    }
  }
}
