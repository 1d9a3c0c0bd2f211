package io.strata.store.faultfs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.strata.store.digest.Digest;
import io.strata.store.disk.OutOfDescriptors;
import io.strata.store.testing.TestData;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The process runs out of file descriptors (EMFILE) just as the store opens a new pack: the pack
 * file is created, but the channel readers read it through cannot be opened. The write fails,
 * saying why; once descriptors are free again, what is written next reads back and fsck is clean,
 * without a restart (D6 of the adversarial trial: every later write read as "its pack keeps
 * disappearing" and fsck called the pack missing while it was on disk).
 */
class OutOfDescriptorsTest {
  @Test
  @Timeout(30)
  void aNewPackThatCouldNotBeOpenedLeavesNothingBehind() throws IOException {
    FaultFileSystem fs = FaultFileSystem.create(CrashModel.JOURNALED, 1);
    BlobLedger ledger = new BlobLedger();
    FaultStore s = new FaultStore(fs);
    s.open();
    // A fresh store has no pack yet: the first put creates one (CREATE), then opens it to read.
    fs.failOnce(op -> op.kind() == OpKind.OPEN && op.path().endsWith(".pack"), IoError.EMFILE);

    byte[] during = TestData.random(800, 300 << 10);
    ledger.begin(digest(during), during);
    Throwable failed = catchThrowable(() -> s.put(during));
    assertThat(failed).as("the put while descriptors ran out").isNotNull();
    assertThat(OutOfDescriptors.causedBy(failed)).as("caused by EMFILE: %s", failed).isTrue();
    assertThat(failed.getMessage()).containsIgnoringCase("too many open files");

    byte[] after = TestData.random(801, 300 << 10);
    Digest d = digest(after);
    ledger.begin(d, after);
    s.put(after);
    ledger.putAcknowledged();
    try (var in = s.blobs().open(d, 0, -1)) {
      assertThat(in.readAllBytes()).isEqualTo(after);
    }
    assertThat(ledger.problems(s.store(), s.blobs())).as("before a restart").isEmpty();
    // The pack it could not open is gone, not left empty beside the one that took the records.
    assertThat(packFiles(s)).hasSize(1);

    s.closeQuietly();
    s.open();
    assertThat(ledger.problems(s.store(), s.blobs())).as("after a restart").isEmpty();
    s.closeQuietly();
  }

  private static Digest digest(byte[] b) {
    return Digest.sha256(b, 0, b.length);
  }

  private static List<Path> packFiles(FaultStore s) throws IOException {
    try (Stream<Path> files = Files.list(s.dir().resolve("packs"))) {
      return files.filter(p -> p.getFileName().toString().endsWith(".pack")).toList();
    }
  }
}
