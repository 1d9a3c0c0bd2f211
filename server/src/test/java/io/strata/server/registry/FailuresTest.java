package io.strata.server.registry;

import static org.assertj.core.api.Assertions.assertThat;

import io.strata.store.error.NotFoundException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class FailuresTest {
  private final Failures failures = new Failures(Path.of("/var/lib/strata"));

  @Test
  void outOfDescriptorsIsUnavailableAndSaysSo() {
    RegistryError e =
        failures.map(
            new UncheckedIOException(
                new IOException("/var/lib/strata/tmp/registry-uploads/x: Too many open files")),
            null);
    assertThat(e.status().code()).isEqualTo(503);
    assertThat(e.code()).isEqualTo("UNAVAILABLE");
    assertThat(e.getMessage())
        .isEqualTo(
            "too many open files on the server (its open-file limit is reached); retry"
                + " (/var/lib/strata/tmp/registry-uploads/x: Too many open files)");
  }

  @Test
  void aFullDiskIsInsufficientStorageNamingTheDataRoot() {
    RegistryError e = failures.map(new IOException("No space left on device"), null);
    assertThat(e.status().code()).isEqualTo(507);
    assertThat(e.getMessage()).startsWith("data root /var/lib/strata: the disk is full");
  }

  @Test
  void anyOtherIOExceptionIsUnknown() {
    RegistryError e = failures.map(new IOException("Input/output error"), null);
    assertThat(e.status().code()).isEqualTo(500);
    assertThat(e.code()).isEqualTo("UNKNOWN");
  }

  @Test
  void notFoundIsNotFound() {
    assertThat(failures.map(new NotFoundException("no such blob"), null).status().code())
        .isEqualTo(404);
  }
}
