package io.strata.store.fleet;

import static org.assertj.core.api.Assertions.assertThat;

import io.strata.store.blob.BlobService;
import io.strata.store.engine.ChunkStore;
import io.strata.store.engine.FsckReport;
import io.strata.store.testing.TestData;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A node's poller adopts other nodes' index segments while its fsck runs (it does not take the lock
 * fsck holds). The chunks of a pack adopted after the check took its list of packs were held
 * against records it never read, and a healthy fleet's fsck named them "used by nothing", their
 * record "damaged or missing" (docs/ADVERSARIAL.md, ScaleOutIT of session 22: a pack uploaded, or
 * deleted by a fleet gc, while a node checked). They are checked by the next fsck instead, which
 * still finds their damage.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class AdoptedDuringFsckTest {
  @TempDir Path dir;

  @Test
  void aPackAdoptedWhileTheCheckRunsIsNoDamageAndTheNextCheckReadsIt() throws Exception {
    MemoryBucket bucket = new MemoryBucket();
    // a first: its packs have lower ids than b's open pack, so they are not "written since".
    try (ChunkStore a = FleetNodes.open(dir.resolve("a"), bucket);
        ChunkStore b = FleetNodes.open(dir.resolve("b"), bucket)) {
      new BlobService(b).put(new ByteArrayInputStream(TestData.random(3, 1 << 20)));
      new BlobService(a).put(new ByteArrayInputStream(TestData.random(4, 1 << 20)));
      a.publishToBucket(30_000);
      bucket.onNextTaggedListing =
          () -> {
            try {
              b.shared().refresh();
            } catch (IOException e) {
              throw new UncheckedIOException(e);
            }
          };

      List<FsckReport.Damage> during = b.fsck().damaged();

      assertThat(bucket.onNextTaggedListing).isNull(); // the segment was adopted mid-check
      assertThat(b.shared().lengths()).hasSize(1); // a's pack, now indexed on b
      assertThat(during).isEmpty();
      // The next check reads the adopted pack: a damaged record in it is found.
      String key =
          bucket.objects.keySet().stream().filter(k -> k.startsWith("packs/")).findFirst().get();
      byte[] flipped = bucket.objects.get(key).clone();
      flipped[100_000] ^= 1;
      bucket.objects.put(key, flipped);
      assertThat(b.fsck().damaged()).isNotEmpty();
    }
  }
}
