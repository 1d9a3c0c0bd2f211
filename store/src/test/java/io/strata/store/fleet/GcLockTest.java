package io.strata.store.fleet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.strata.store.engine.ChunkStore;
import io.strata.store.error.ConflictException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The fleet's gc lock after a gc that died (the process killed, the bucket unreachable when the
 * lock was to go): the node whose name it bears takes it back at once, since it runs no gc; others
 * are told how old it is. For five minutes every gc said a gc "is running on node X", on X too
 * (docs/ADVERSARIAL.md, E7).
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class GcLockTest {
  @TempDir Path dir;

  @Test
  @SuppressWarnings("try") // a member serves the fleet from its own thread while it is open
  void aLockLeftInANodesNameIsTakenBackByItAndOthersAreToldItsAge() throws Exception {
    MemoryBucket bucket = new MemoryBucket();
    try (ChunkStore a = FleetNodes.open(dir.resolve("a"), bucket);
        ChunkStore b = FleetNodes.open(dir.resolve("b"), bucket);
        FleetGc fa = FleetGc.join(a);
        FleetGc fb = FleetGc.join(b)) {
      // what a gc of A killed half-way leaves
      bucket.put(
          FleetGc.GC_LOCK,
          (a.shared().node() + " " + System.currentTimeMillis())
              .getBytes(StandardCharsets.US_ASCII));
      assertThatThrownBy(b::gc)
          .isInstanceOf(ConflictException.class)
          .hasMessageContaining(
              "is running on node " + a.shared().node() + " (its lock was refreshed ")
          .hasMessageEndingWith(
              " s ago; one not refreshed for 5 minutes is taken over); nothing was removed");
      a.gc(); // A runs no gc: the lock is its own, left over
      assertThat(bucket.objects).doesNotContainKey(FleetGc.GC_LOCK);
      b.gc();
    }
  }

  /**
   * A gc on a second node right after one on the first reclaims nothing, and says so: it planned
   * from an index that still held the packs the first deleted, deleted them again and reported the
   * first one's figures as its own (docs/ADVERSARIAL.md, E4).
   */
  @Test
  @SuppressWarnings("try")
  void aGcRightAfterAnotherNodesReportsOnlyWhatItReclaimed() throws Exception {
    MemoryBucket bucket = new MemoryBucket();
    try (ChunkStore a = FleetNodes.open(dir.resolve("a"), bucket);
        ChunkStore b = FleetNodes.open(dir.resolve("b"), bucket);
        FleetGc fa = FleetGc.join(a);
        FleetGc fb = FleetGc.join(b)) {
      io.strata.store.blob.BlobService blobs = new io.strata.store.blob.BlobService(a);
      var junk =
          blobs.put(
              new java.io.ByteArrayInputStream(
                  io.strata.store.testing.TestData.random(5, 1 << 20)));
      a.publishToBucket(30_000);
      blobs.remove(junk.digest());
      b.shared().refresh();
      assertThat(a.gc().chunksRemoved()).isPositive();
      var second = b.gc();
      assertThat(second.chunksRemoved()).isZero();
      assertThat(second.bytesReclaimed()).isZero();
      assertThat(bucket.objects.keySet().stream().filter(k -> k.startsWith(FleetGc.DONE)))
          .hasSize(1);
    }
  }
}
