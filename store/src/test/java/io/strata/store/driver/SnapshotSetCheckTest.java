package io.strata.store.driver;

import static org.assertj.core.api.Assertions.assertThat;

import io.strata.store.engine.WriteSession;
import io.strata.store.ref.RootChange;
import io.strata.store.testing.TestData;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.roaringbitmap.RoaringBitmap;

/** fsck's tree check finds a chunk a tree uses that its snapshot's reference set lacks. */
class SnapshotSetCheckTest {
  @TempDir Path dir;

  @Test
  void aChunkMissingFromTheReferenceSetIsReported() throws IOException {
    try (DriverFixture f = new DriverFixture(dir, BlockTestDriver.PROVIDER)) {
      StorageDriver d = f.driver();
      d.prepare("c", null, Map.of());
      d.fs("c")
          .writeFile("/f", new ByteArrayInputStream(TestData.random(1, 100_000)), 0644, 0, 0, 0);
      Recountable r = (Recountable) d;
      assertThat(r.check()).isEmpty();
      RoaringBitmap held = f.chunks().root("snap/c").chunks();
      RoaringBitmap drop = RoaringBitmap.bitmapOf(held.last());
      try (WriteSession s = f.chunks().session()) {
        var root = f.chunks().root("snap/c");
        s.commit(
            List.of(new RootChange.Update("snap/c", 0, root.payload(), new RoaringBitmap(), drop)));
      }
      assertThat(r.check()).hasSize(1);
      assertThat(r.check().get(0).usedBy()).containsExactly("snap/c");
    }
  }
}
