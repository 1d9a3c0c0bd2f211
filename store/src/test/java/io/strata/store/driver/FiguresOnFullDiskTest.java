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
 * A figure about a writable snapshot ({@code written}: what {@code strata info}, {@code ps} and
 * {@code system df} show) while its mount holds writes that a full disk does not let it make
 * durable: the figure is of the stored tree and does not fail, and the loss stays for the mount's
 * next fsync, as after a gc's recount. The figure's sync took the report: {@code strata info}
 * failed with "the disk is full" (also on a freed disk, for a layer build's snapshot a full disk
 * left behind), and the mount's fsync that should have reported the loss succeeded.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class FiguresOnFullDiskTest {
  private static final int DURABLE = 40_000;

  @Test
  void aFigureOnAFullDiskIsOfTheStoredTreeAndLeavesTheLossForTheMount() throws Exception {
    FaultFileSystem disk = FaultFileSystem.create(CrashModel.JOURNALED, 1);
    try (DriverFixture fixture =
        new DriverFixture(disk.root(), BlockTestDriver.PROVIDER, FaultStore.OPTIONS)) {
      StorageDriver driver = fixture.driver();
      FileSystemView fs = holdingAWrite(driver);

      disk.diskBudget(disk.usedBytes()); // no byte more than the files hold now fits
      assertThat(driver.written("c")).as("the stored tree's bytes").isBetween(40_000L, 45_000L);
      disk.diskBudget(Long.MAX_VALUE);

      assertThatThrownBy(fs::sync)
          .isInstanceOf(HeldChangesLost.class)
          .hasMessageContaining("the disk is full");
      assertThat(fs.exists("/held")).isFalse();
    }
  }

  @Test
  void aFigureOnAFreedDiskLeavesAnEarlierLossForTheMount() throws Exception {
    FaultFileSystem disk = FaultFileSystem.create(CrashModel.JOURNALED, 1);
    try (DriverFixture fixture =
        new DriverFixture(disk.root(), BlockTestDriver.PROVIDER, FaultStore.OPTIONS)) {
      StorageDriver driver = fixture.driver();
      FileSystemView fs = holdingAWrite(driver);
      disk.diskBudget(disk.usedBytes());
      ((Recountable) driver).recount(); // goes on, keeping the loss for the mount
      disk.diskBudget(Long.MAX_VALUE);

      for (int i = 0; i < 2; i++) {
        assertThat(driver.written("c")).isBetween(40_000L, 45_000L);
      }
      assertThatThrownBy(fs::sync)
          .as("the mount hears of the loss, once")
          .isInstanceOf(HeldChangesLost.class);
      fs.sync();
    }
  }

  /**
   * A copy of the snapshot (what {@code strata commit} of a running container makes) after its
   * mount lost held writes: the copy is of the stored tree, which the mount shows since, and the
   * report stays for the mount. The copy's sync took it, and the program's fsync succeeded.
   */
  @Test
  void aCopyAfterALossLeavesTheReportForTheMount() throws Exception {
    FaultFileSystem disk = FaultFileSystem.create(CrashModel.JOURNALED, 1);
    try (DriverFixture fixture =
        new DriverFixture(disk.root(), BlockTestDriver.PROVIDER, FaultStore.OPTIONS)) {
      StorageDriver driver = fixture.driver();
      FileSystemView fs = holdingAWrite(driver);
      disk.diskBudget(disk.usedBytes());
      ((Recountable) driver).recount();
      disk.diskBudget(Long.MAX_VALUE);

      driver.frozenView("copy", "c");
      FileSystemView copy = driver.fs("copy");
      assertThat(copy.exists("/durable")).isTrue();
      assertThat(copy.exists("/held")).isFalse();
      assertThatThrownBy(fs::sync).isInstanceOf(HeldChangesLost.class);
    }
  }

  /** Snapshot {@code c} with {@value #DURABLE} durable bytes and a write its mount holds. */
  private static FileSystemView holdingAWrite(StorageDriver driver) throws Exception {
    driver.prepare("c", null, Map.of());
    FileSystemView fs = driver.fs("c");
    fs.writeFile("/durable", new ByteArrayInputStream(TestData.random(1, DURABLE)), 0644, 0, 0, 0);
    fs.deferSync(true);
    fs.writeFile("/held", new ByteArrayInputStream(TestData.random(2, 40_000)), 0644, 0, 0, 0);
    return fs;
  }
}
