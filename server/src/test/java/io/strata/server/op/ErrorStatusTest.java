package io.strata.server.op;

import static org.assertj.core.api.Assertions.assertThat;

import io.strata.protocol.Status;
import io.strata.store.error.StorageFullException;
import io.strata.store.error.StrataException;
import java.io.IOException;
import java.io.UncheckedIOException;
import org.junit.jupiter.api.Test;

/**
 * The status each failure answers with; a full disk is STORAGE_FULL and a process out of
 * descriptors UNAVAILABLE on every path.
 */
class ErrorStatusTest {
  @Test
  void aFullDiskIsStorageFullWhereverItSurfaces() {
    IOException enospc = new IOException("No space left on device");
    assertThat(ErrorStatus.of(new StorageFullException("data root: the disk is full", enospc)))
        .isEqualTo(Status.STORAGE_FULL);
    // As an import's spool file or a driver's record write reports it.
    assertThat(ErrorStatus.of(enospc)).isEqualTo(Status.STORAGE_FULL);
    assertThat(ErrorStatus.of(new UncheckedIOException("writing a layer", enospc)))
        .isEqualTo(Status.STORAGE_FULL);
    assertThat(ErrorStatus.of(new RuntimeException(new IOException("Disk quota exceeded"))))
        .isEqualTo(Status.STORAGE_FULL);
  }

  @Test
  void runningOutOfDescriptorsIsUnavailableWhereverItSurfaces() {
    // As opening a new pack reports it, and the store's sentence for a write it failed.
    java.nio.file.FileSystemException emfile =
        new java.nio.file.FileSystemException(
            "/data/chunks/packs/00000004.pack", null, "Too many open files");
    assertThat(ErrorStatus.of(emfile)).isEqualTo(Status.UNAVAILABLE);
    assertThat(ErrorStatus.of(new StrataException("data root: too many open files", emfile)))
        .isEqualTo(Status.UNAVAILABLE);
    assertThat(ErrorStatus.of(new IOException("Too many open files in system")))
        .isEqualTo(Status.UNAVAILABLE);
  }

  @Test
  void otherIoErrorsStayInternal() {
    assertThat(ErrorStatus.of(new IOException("Input/output error"))).isEqualTo(Status.INTERNAL);
  }

  @Test
  void aPackMissingFromTheBucketIsCorruptData() {
    IOException missing =
        new io.strata.store.remote.MissingObjectException(
            "s3://b/f/ at http://rgw: packs/00000040.pack is not in the bucket", null);
    assertThat(ErrorStatus.of(missing)).isEqualTo(Status.CORRUPT_DATA);
    assertThat(ErrorStatus.of(new UncheckedIOException("reading a layer", missing)))
        .isEqualTo(Status.CORRUPT_DATA);
  }
}
