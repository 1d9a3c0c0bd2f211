package io.strata.server.op;

import static org.assertj.core.api.Assertions.assertThat;

import io.strata.protocol.Status;
import io.strata.store.error.StorageFullException;
import java.io.IOException;
import java.io.UncheckedIOException;
import org.junit.jupiter.api.Test;

/** The status each failure answers with; a full disk is STORAGE_FULL on every write path. */
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
  void otherIoErrorsStayInternal() {
    assertThat(ErrorStatus.of(new IOException("Input/output error"))).isEqualTo(Status.INTERNAL);
  }
}
