package io.strata.store.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.strata.store.faultfs.CrashModel;
import io.strata.store.faultfs.FaultFileSystem;
import io.strata.store.faultfs.FaultStore;
import io.strata.store.faultfs.IoError;
import io.strata.store.faultfs.OpKind;
import io.strata.store.testing.TestData;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The store's totals (what {@code strata info} shows) after a write whose records a failed fsync or
 * a full disk dropped: they must equal what the index holds, as a rebuild from the packs counts it,
 * or {@code dedupRatio} falls below 1 for good (docs/ADVERSARIAL.md, D1).
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class TotalsAfterLostWriteTest {
  private static final byte[] KEPT = TestData.random(1, 1 << 20);
  private static final byte[] LOST = TestData.text(2, 3 << 20);

  @Test
  void aWriteAFailedFsyncDroppedLeavesNoBytesInTheTotals() throws Exception {
    FaultFileSystem fs = FaultFileSystem.create(CrashModel.JOURNALED_TORN, 1);
    FaultStore s = new FaultStore(fs);
    ChunkStore store = s.open();
    try {
      s.put(KEPT);
      long[] before = totals(store);
      fs.failOnce(op -> op.kind() == OpKind.FORCE && op.path().contains("/packs/"), IoError.EIO);

      assertThat(catchThrowable(() -> s.put(LOST))).as("the put whose fsync failed").isNotNull();

      assertThat(totals(store)).as("totals after the dropped write").isEqualTo(before);
      assertThat(rebuiltTotals(s)).as("what the packs hold").isEqualTo(before);
    } finally {
      s.closeQuietly();
    }
  }

  @Test
  void aWriteTheFullDiskRefusedLeavesNoBytesInTheTotals() throws Exception {
    FaultFileSystem fs = FaultFileSystem.create(CrashModel.JOURNALED_TORN, 2);
    FaultStore s = new FaultStore(fs);
    ChunkStore store = s.open();
    try {
      s.put(KEPT);
      long[] before = totals(store);
      fs.diskBudget(fs.usedBytes() + 100_000);

      assertThat(catchThrowable(() -> s.put(LOST))).as("the put the disk refused").isNotNull();
      // what a remove on the full disk does first: the records that cannot be written are dropped
      store.abandonUnwritable();
      fs.diskBudget(Long.MAX_VALUE);

      assertThat(totals(store)).as("totals after the refused write").isEqualTo(before);
      s.put(LOST);
      long[] after = totals(store);
      assertThat(after[0]).isEqualTo(before[0] + LOST.length);
      assertThat(rebuiltTotals(s)).as("what the packs hold").isEqualTo(after);
    } finally {
      s.closeQuietly();
    }
  }

  @Test
  void aCheckpointOfAnEarlierReleaseWithAWrongTotalIsMendedAtTheNextOpen() throws Exception {
    FaultFileSystem fs = FaultFileSystem.create(CrashModel.JOURNALED_TORN, 3);
    FaultStore s = new FaultStore(fs);
    s.open();
    s.put(KEPT);
    long[] right = totals(s.store());
    s.store().close();
    // What a release before the fix left: a version 2 checkpoint counting 3 MiB no chunk holds.
    Path index = s.dir().resolve(ChunkStore.INDEX_FILE);
    byte[] cp = Files.readAllBytes(index);
    ByteBuffer b = ByteBuffer.wrap(cp);
    b.putInt(8, 2);
    b.putLong(24, right[0] + LOST.length);
    CRC32C crc = new CRC32C();
    crc.update(cp, 0, cp.length - 4);
    b.putInt(cp.length - 4, (int) crc.getValue());
    Files.write(index, cp);

    ChunkStore reopened = s.open();
    try {
      assertThat(totals(reopened)).as("totals after the reopen").isEqualTo(right);
    } finally {
      s.closeQuietly();
    }
  }

  private static long[] totals(ChunkStore store) throws IOException {
    ChunkStore.Stats st = store.stats();
    return new long[] {st.uniqueBytes(), st.compressedBytes()};
  }

  /** Closes the store and reopens it without its checkpoint: a rebuild counts every pack. */
  private static long[] rebuiltTotals(FaultStore s) throws IOException {
    s.store().close();
    Files.deleteIfExists(s.dir().resolve(ChunkStore.INDEX_FILE));
    return totals(s.open());
  }
}
