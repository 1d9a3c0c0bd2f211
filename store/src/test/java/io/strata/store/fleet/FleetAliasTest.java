package io.strata.store.fleet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.strata.store.blob.BlobService;
import io.strata.store.blob.PutResult;
import io.strata.store.digest.Digest;
import io.strata.store.engine.ChunkAlias;
import io.strata.store.engine.ChunkStore;
import io.strata.store.error.CorruptDataException;
import io.strata.store.index.Locations;
import io.strata.store.testing.TestData;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The fleet gc's aliasing of duplicates, on two chunk stores sharing a bucket in memory: both store
 * the same bytes before either sees the other's pack, gc points every duplicate at one copy and
 * deletes the other pack, and both stores still read everything, after a restart too, and fsck
 * clean.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class FleetAliasTest {
  @TempDir Path dir;

  private static byte[] read(ChunkStore s, PutResult p) throws IOException {
    try (InputStream in = new BlobService(s).open(p.digest(), 0, p.size())) {
      return in.readAllBytes();
    }
  }

  private static long count(MemoryBucket bucket, String prefix) {
    return bucket.objects.keySet().stream().filter(k -> k.startsWith(prefix)).count();
  }

  @Test
  @SuppressWarnings("try") // a member serves the fleet from its own thread while it is open
  void duplicatesOfTwoNodesAreAliasedToOneCopyAndTheOtherPackIsDeleted() throws Exception {
    MemoryBucket bucket = new MemoryBucket();
    byte[] data = TestData.random(7, 3 << 20);
    PutResult pa;
    PutResult pb;
    try (ChunkStore a = FleetNodes.open(dir.resolve("a"), bucket);
        ChunkStore b = FleetNodes.open(dir.resolve("b"), bucket)) {
      pa = new BlobService(a).put(new ByteArrayInputStream(data));
      a.publishToBucket(30_000);
      pb = new BlobService(b).put(new ByteArrayInputStream(data));
      b.publishToBucket(30_000);
      // B did not know A's pack yet: it stored every chunk again.
      assertThat(pb.newChunks()).isEqualTo(pa.newChunks()).isPositive();
      long twice = bucket.packBytes();
      assertThat(count(bucket, "packs/")).isEqualTo(2);
      a.shared().refresh();
      b.shared().refresh();
      try (FleetGc fa = FleetGc.join(a);
          FleetGc fb = FleetGc.join(b)) {
        a.gc();
        assertThat(count(bucket, FleetGc.ALIASES)).isEqualTo(1);
        assertThat(count(bucket, "packs/")).isEqualTo(1);
        assertThat(bucket.packBytes()).isLessThan(twice / 2 + 4096);
        assertThat(read(a, pa)).isEqualTo(data);
        assertThat(read(b, pb)).isEqualTo(data);
        // B forgets the deleted pack within a round of its member thread (2 s).
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (localPacks(dir.resolve("b")) > 0 && System.nanoTime() < deadline) {
          Thread.sleep(100);
        }
        assertThat(localPacks(dir.resolve("b"))).isZero();
        assertThat(read(b, pb)).isEqualTo(data);
        assertThat(a.fsck().damaged()).isEmpty();
        assertThat(b.fsck().damaged()).isEmpty();
        // A second gc finds nothing more to alias or delete.
        long after = bucket.packBytes();
        a.gc();
        assertThat(bucket.packBytes()).isEqualTo(after);
        assertThat(count(bucket, FleetGc.ALIASES)).isEqualTo(1);
      }
    }
    // The aliases are in B's index checkpoint: reopened without the fleet, B reads them.
    try (ChunkStore b = FleetNodes.open(dir.resolve("b"), bucket)) {
      assertThat(read(b, pb)).isEqualTo(data);
      assertThat(b.fsck().damaged()).isEmpty();
    }
    // With the checkpoint lost, the index is rebuilt from the segments, and joining the fleet
    // applies the bucket's alias maps again: the duplicates come back at their canonical copies.
    Files.delete(dir.resolve("b/chunks/index"));
    try (ChunkStore b = FleetNodes.open(dir.resolve("b"), bucket);
        FleetGc fb = FleetGc.join(b)) {
      assertThat(read(b, pb)).isEqualTo(data);
      assertThat(b.fsck().damaged()).isEmpty();
    }
  }

  @Test
  @SuppressWarnings("try") // a member serves the fleet from its own thread while it is open
  void aNodeThatDidNotAnswerKeepsItsDuplicatePackUntilItDoes() throws Exception {
    MemoryBucket bucket = new MemoryBucket();
    byte[] data = TestData.random(8, 2 << 20);
    try (ChunkStore a = FleetNodes.open(dir.resolve("a"), bucket);
        ChunkStore b = FleetNodes.open(dir.resolve("b"), bucket)) {
      PutResult pa = new BlobService(a).put(new ByteArrayInputStream(data));
      a.publishToBucket(30_000);
      PutResult pb = new BlobService(b).put(new ByteArrayInputStream(data));
      b.publishToBucket(30_000);
      a.shared().refresh();
      b.shared().refresh();
      try (FleetGc fa = FleetGc.join(a)) {
        // B is a member (its heartbeat is in the bucket) but does not answer: it may not have seen
        // the alias map, so its duplicate pack must stay.
        FleetGc.join(b).close();
        Thread gc =
            new Thread(
                () -> {
                  try {
                    a.gc();
                  } catch (IOException | RuntimeException e) {
                    // refused after its wait: what the test expects
                  }
                });
        gc.setDaemon(true);
        gc.start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (count(bucket, FleetGc.CONDEMNED) == 0 && System.nanoTime() < deadline) {
          Thread.sleep(50);
        }
        assertThat(count(bucket, FleetGc.ALIASES)).isEqualTo(1);
        Thread.sleep(3_000);
        assertThat(count(bucket, "packs/")).isEqualTo(2);
        // B answers (joins again): the gc goes on and deletes the duplicates' pack.
        try (FleetGc fb = FleetGc.join(b)) {
          gc.join(60_000);
          assertThat(count(bucket, "packs/")).isEqualTo(1);
          assertThat(read(a, pa)).isEqualTo(data);
          assertThat(read(b, pb)).isEqualTo(data);
          assertThat(a.fsck().damaged()).isEmpty();
          assertThat(b.fsck().damaged()).isEmpty();
        }
      }
    }
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] out = java.util.Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }

  @Test
  @SuppressWarnings("try") // a member serves the fleet from its own thread while it is open
  void aPackMostlyDeadAfterAliasingIsRepackedAndTheBucketHoldsEachChunkAboutOnce()
      throws Exception {
    byte[] shared = TestData.random(11, 3 << 20);
    byte[] dataA = concat(shared, TestData.random(12, 1 << 20));
    byte[] dataB = concat(shared, TestData.random(13, 1 << 20));
    // The reference: one store holding both.
    MemoryBucket solo = new MemoryBucket();
    try (ChunkStore s = FleetNodes.open(dir.resolve("solo"), solo)) {
      new BlobService(s).put(new ByteArrayInputStream(dataA));
      new BlobService(s).put(new ByteArrayInputStream(dataB));
      s.publishToBucket(30_000);
    }
    long one = solo.packBytes();

    MemoryBucket bucket = new MemoryBucket();
    try (ChunkStore a = FleetNodes.open(dir.resolve("a"), bucket);
        ChunkStore b = FleetNodes.open(dir.resolve("b"), bucket)) {
      PutResult pa = new BlobService(a).put(new ByteArrayInputStream(dataA));
      a.publishToBucket(30_000);
      PutResult pb = new BlobService(b).put(new ByteArrayInputStream(dataB));
      b.publishToBucket(30_000);
      // Each pack mixes the shared chunks with chunks only it holds: aliasing alone empties none.
      assertThat(bucket.packBytes()).isGreaterThan(one * 3 / 2);
      a.shared().refresh();
      b.shared().refresh();
      try (FleetGc fa = FleetGc.join(a);
          FleetGc fb = FleetGc.join(b)) {
        a.gc();
        assertThat(bucket.packBytes()).isLessThanOrEqualTo(one * 105 / 100);
        assertThat(read(a, pa)).isEqualTo(dataA);
        assertThat(read(b, pb)).isEqualTo(dataB);
        assertThat(a.fsck().damaged()).isEmpty();
        assertThat(b.fsck().damaged()).isEmpty();
        // Stable: the next gc copies and deletes nothing.
        long after = bucket.packBytes();
        a.gc();
        assertThat(bucket.packBytes()).isEqualTo(after);
      }
    }
    // A store joining now, with a data root of its own, indexes the copies.
    try (ChunkStore c = FleetNodes.open(dir.resolve("c"), bucket);
        FleetGc fc = FleetGc.join(c)) {
      assertThat(read(c, new BlobService(c).put(new ByteArrayInputStream(dataB)))).isEqualTo(dataB);
      assertThat(bucket.packBytes()).isLessThanOrEqualTo(one * 105 / 100);
      assertThat(c.fsck().damaged()).isEmpty();
    }
    Files.delete(dir.resolve("b/chunks/index"));
    try (ChunkStore b = FleetNodes.open(dir.resolve("b"), bucket);
        FleetGc fb = FleetGc.join(b)) {
      PutResult again = new BlobService(b).put(new ByteArrayInputStream(dataB));
      assertThat(again.newChunks()).isZero();
      assertThat(read(b, again)).isEqualTo(dataB);
      assertThat(b.fsck().damaged()).isEmpty();
    }
  }

  private static long localPacks(Path root) throws IOException {
    try (var s = Files.list(root.resolve("chunks/packs"))) {
      return s.filter(p -> p.getFileName().toString().endsWith(".pack")).count();
    }
  }

  @Test
  void anAliasMapSurvivesItsEncodingAndADamagedOneIsNamed() {
    Digest d = Digest.sha256(new byte[] {1, 2, 3}, 0, 3);
    List<ChunkAlias> aliases =
        List.of(
            new ChunkAlias(7, Locations.encode(3, 64, 100), Locations.encode(1, 128, 100), d),
            new ChunkAlias(1 << 20, Locations.encode(0x80001, 8, 5), Locations.encode(2, 8, 5), d));
    byte[] b = new AliasMap(42, aliases).encode();
    AliasMap back = AliasMap.decode(b, "gc/aliases/42");
    assertThat(back.generation()).isEqualTo(42);
    assertThat(back.aliases()).isEqualTo(aliases);
    b[30] ^= 1;
    assertThatThrownBy(() -> AliasMap.decode(b, "gc/aliases/42"))
        .isInstanceOf(CorruptDataException.class)
        .hasMessage("alias map gc/aliases/42 is damaged: checksum mismatch");
    assertThatThrownBy(() -> AliasMap.decode(new byte[3], "gc/aliases/43"))
        .hasMessage("alias map gc/aliases/43 is damaged: not an alias map");
  }
}
