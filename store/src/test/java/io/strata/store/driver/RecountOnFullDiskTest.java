package io.strata.store.driver;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.strata.store.faultfs.CrashModel;
import io.strata.store.faultfs.FaultFileSystem;
import io.strata.store.faultfs.FaultStore;
import io.strata.store.fs.FileSystemView;
import io.strata.store.fs.HeldChangesLost;
import io.strata.store.testing.TestData;
import java.io.ByteArrayInputStream;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The recount a gc runs first, on a full disk, while a mount holds writes it cannot make durable:
 * the gc goes on (the snapshot's references stay as they were), and the loss is the mount's to hear
 * at its next sync (docs/ADVERSARIAL.md, R2).
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class RecountOnFullDiskTest {
  @Test
  void aRecountOnAFullDiskGoesOnAndLeavesTheLossForTheMount() throws Exception {
    FaultFileSystem disk = FaultFileSystem.create(CrashModel.JOURNALED, 1);
    try (DriverFixture fixture =
        new DriverFixture(disk.root(), BlockTestDriver.PROVIDER, FaultStore.OPTIONS)) {
      StorageDriver driver = fixture.driver();
      driver.prepare("c", null, Map.of());
      FileSystemView fs = driver.fs("c");
      byte[] durable = TestData.random(1, 40_000);
      fs.writeFile("/durable", new ByteArrayInputStream(durable), 0644, 0, 0, 0);
      fs.deferSync(true);
      fs.writeFile("/held", new ByteArrayInputStream(TestData.random(2, 40_000)), 0644, 0, 0, 0);

      // the disk fills up: no byte more than the files hold now fits
      disk.diskBudget(disk.usedBytes());
      ((Recountable) driver).recount();
      disk.diskBudget(Long.MAX_VALUE);

      assertThatThrownBy(fs::sync)
          .isInstanceOf(HeldChangesLost.class)
          .hasMessageContaining("the disk is full");
      assertThat(fs.exists("/held")).as("the held write went with the failed commit").isFalse();
      try (var in = fs.open("/durable")) {
        assertThat(in.readAllBytes()).isEqualTo(durable);
      }
      ((Recountable) driver).recount();
      fixture.chunks().gc();
      assertThat(fixture.chunks().fsck().damaged()).isEmpty();
      assertThat(((Recountable) driver).check()).isEmpty();
    }
  }
}
