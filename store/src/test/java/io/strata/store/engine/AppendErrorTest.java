package io.strata.store.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.strata.store.digest.Digest;
import io.strata.store.faultfs.CrashModel;
import io.strata.store.faultfs.FaultFileSystem;
import io.strata.store.faultfs.FaultStore;
import io.strata.store.faultfs.OpKind;
import io.strata.store.testing.TestData;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * An Error, not an IOException, where a write's new chunks go to a pack (the JVM out of direct
 * memory): the write fails and nothing is left waiting for it. A pack writer that could not get its
 * buffer once died so on a worker thread: its group's chunks stayed pending in the index, the write
 * that owned them committed anyway, and every later put of one of them waited for good.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class AppendErrorTest {
  @Test
  void anErrorWhileAGroupGoesToAPackFailsItsWriteAndLeavesNoneWaiting() throws Exception {
    FaultFileSystem fs = FaultFileSystem.create(CrashModel.JOURNALED_TORN, 1);
    FaultStore s = new FaultStore(fs);
    ChunkStore store = s.open();
    try {
      // small chunks, so they go out in groups of 448 KiB, the first of them to a pack not created
      byte[] content = TestData.text(7, 2 << 20);
      fs.throwOnce(
          op -> op.kind() == OpKind.CREATE && op.path().contains("/packs/"),
          () -> new OutOfMemoryError("Cannot reserve 1048576 bytes of direct buffer memory"));

      Throwable failed = catchThrowable(() -> s.put(content));
      assertThat(failed).as("the write whose group failed").isNotNull();
      assertThat(causes(failed)).anyMatch(OutOfMemoryError.class::isInstance);

      // the same chunks again: reserved afresh, not awaited from the failed write
      Digest again = s.put(content);
      assertThat(s.blobs().open(again, 0, -1).readAllBytes()).isEqualTo(content);
      byte[] other = TestData.text(8, 300_000);
      Digest second = s.put(other);
      assertThat(s.blobs().open(second, 0, -1).readAllBytes()).isEqualTo(other);
      assertThat(store.fsck().damaged()).isEmpty();
    } finally {
      s.closeQuietly();
    }
  }

  private static java.util.List<Throwable> causes(Throwable t) {
    java.util.List<Throwable> all = new java.util.ArrayList<>();
    for (Throwable c = t; c != null && !all.contains(c); c = c.getCause()) {
      all.add(c);
    }
    return all;
  }
}
