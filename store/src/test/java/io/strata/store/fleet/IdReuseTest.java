package io.strata.store.fleet;

import static org.assertj.core.api.Assertions.assertThat;

import io.strata.store.blob.BlobService;
import io.strata.store.blob.PutResult;
import io.strata.store.chunk.ChunkerParams;
import io.strata.store.engine.ChunkStore;
import io.strata.store.testing.TestData;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.roaringbitmap.RoaringBitmap;

/**
 * A node never hands out again a pack id or a chunk id a fleet gc deleted: the bucket's records of
 * gc name packs and chunks by id, and a node that applied such a record and restarts applies it
 * again. When the owner of the deleted newest pack gave its id (and its chunk ids) to new data, a
 * member's restart dropped the new chunks, and acknowledged images became unreadable on it
 * (docs/ADVERSARIAL.md, E9).
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class IdReuseTest {
  @TempDir Path dir;

  private static byte[] read(ChunkStore s, PutResult p) throws IOException {
    try (InputStream in = new BlobService(s).open(p.digest(), 0, p.size())) {
      return in.readAllBytes();
    }
  }

  private static Set<String> packs(MemoryBucket bucket) {
    Set<String> out = new TreeSet<>();
    for (String k : bucket.objects.keySet()) {
      if (k.startsWith("packs/")) {
        out.add(k);
      }
    }
    return out;
  }

  @Test
  @SuppressWarnings("try") // a member serves the fleet from its own thread while it is open
  void aRestartHandsOutNoIdAFleetGcDeleted() throws Exception {
    MemoryBucket bucket = new MemoryBucket();
    byte[] keep = TestData.random(1, 1 << 20);
    byte[] junk = TestData.random(2, 2 << 20);
    byte[] fresh = TestData.random(3, 2 << 20);
    Set<String> deleted;
    int junkNextId;
    try (ChunkStore a = FleetNodes.open(dir.resolve("a"), bucket);
        ChunkStore b = FleetNodes.open(dir.resolve("b"), bucket)) {
      new BlobService(a).put(new ByteArrayInputStream(keep));
      a.publishToBucket(30_000);
      PutResult j = new BlobService(a).put(new ByteArrayInputStream(junk));
      a.publishToBucket(30_000);
      junkNextId = new BlobService(a).recipe(j.digest()).chunkSet().last() + 1;
      Set<String> before = packs(bucket);
      new BlobService(a).remove(j.digest());
      a.shared().refresh();
      b.shared().refresh();
      try (FleetGc fa = FleetGc.join(a);
          FleetGc fb = FleetGc.join(b)) {
        a.gc(); // deletes the junk's pack, the newest
      }
      deleted = new TreeSet<>(before);
      deleted.removeAll(packs(bucket));
      assertThat(deleted).isNotEmpty();
    }
    Map<Integer, byte[]> chunks = new TreeMap<>();
    try (ChunkStore a = FleetNodes.open(dir.resolve("a"), bucket)) {
      PutResult made = new BlobService(a).put(new ByteArrayInputStream(fresh));
      a.publishToBucket(30_000);
      RoaringBitmap ids = new BlobService(a).recipe(made.digest()).chunkSet();
      assertThat(ids.first()).as("the new chunks' first id").isGreaterThanOrEqualTo(junkNextId);
      byte[] buf = new byte[ChunkerParams.MAX_CHUNK];
      for (int id : ids) {
        chunks.put(id, Arrays.copyOf(buf, a.read(id, buf)));
      }
      assertThat(read(a, made)).isEqualTo(fresh);
    }
    for (String p : deleted) {
      assertThat(bucket.objects).as("a deleted pack's id handed out again").doesNotContainKey(p);
    }
    // B applied the gc; restarted, it applies the bucket's records again and reads the new data
    try (ChunkStore b = FleetNodes.open(dir.resolve("b"), bucket);
        FleetGc fb = FleetGc.join(b)) {
      b.shared().refresh();
      byte[] buf = new byte[ChunkerParams.MAX_CHUNK];
      for (Map.Entry<Integer, byte[]> c : chunks.entrySet()) {
        assertThat(Arrays.copyOf(buf, b.read(c.getKey(), buf)))
            .as("chunk %d on the restarted member", c.getKey())
            .isEqualTo(c.getValue());
      }
      assertThat(b.fsck().damaged()).isEmpty();
    }
  }
}
