package io.strata.store.image.layer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.strata.store.driver.BlockTestDriver;
import io.strata.store.driver.DriverFixture;
import io.strata.store.faultfs.CrashModel;
import io.strata.store.faultfs.FaultFileSystem;
import io.strata.store.faultfs.FaultStore;
import io.strata.store.faultfs.IoError;
import io.strata.store.image.TarBuilder;
import io.strata.store.testing.TestData;
import java.io.ByteArrayInputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A layer build that fails on a disk that then has no room even for removing the build's snapshot
 * (a registry import on a full disk): the caller hears the build's own failure, not the removal's,
 * and the first gc's deferred removals take the snapshot once there is room. The removal's failure
 * was thrown instead and the snapshot stayed, with the chunks it held, until a restart.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class FailedBuildRemovalTest {
  @Test
  void aBuildWhoseSnapshotCannotBeRemovedFailsWithItsOwnErrorAndGcRemovesIt() throws Exception {
    FaultFileSystem disk = FaultFileSystem.create(CrashModel.JOURNALED, 1);
    try (DriverFixture fixture =
        new DriverFixture(disk.root(), BlockTestDriver.PROVIDER, FaultStore.OPTIONS)) {
      LayerStore layers =
          new LayerStore(fixture.chunks(), fixture.driver(), ImportLimits.fromSystemProperties());
      byte[] tar =
          new TarBuilder()
              .raw("a", TestData.random(1, 200_000))
              .raw("b", TestData.random(2, 200_000))
              .bytes();
      // the client goes away halfway, and from then on the disk has no room for any write
      InputStream cut =
          new FilterInputStream(new ByteArrayInputStream(tar, 0, 300_000)) {
            @Override
            public int read(byte[] b, int off, int len) throws IOException {
              int n = super.read(b, off, len);
              if (n < 0) {
                disk.failWhen(op -> op.kind().mutating(), IoError.ENOSPC);
                throw new IOException("the client went away");
              }
              return n;
            }
          };

      assertThatThrownBy(() -> layers.importPlainTar(cut, "layer x"))
          .hasMessageContaining("the client went away");
      assertThat(buildSnapshots(fixture))
          .as("the build's snapshot, whose removal met the full disk")
          .hasSize(1);

      disk.clearFaults();
      layers.removeDeferred(); // as each gc starts
      assertThat(buildSnapshots(fixture)).isEmpty();
      fixture.chunks().gc();
      assertThat(fixture.chunks().fsck().damaged()).isEmpty();
    }
  }

  private static List<String> buildSnapshots(DriverFixture fixture) {
    List<String> keys = new ArrayList<>();
    fixture
        .driver()
        .walk(
            s -> {
              if (s.key().startsWith(LayerStore.TMP)) {
                keys.add(s.key());
              }
            });
    return keys;
  }
}
