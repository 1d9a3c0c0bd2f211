package io.strata.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.strata.client.StrataClient;
import io.strata.client.StrataClientException;
import io.strata.client.TransferListener;
import io.strata.protocol.HostPort;
import io.strata.protocol.message.ImportArgs;
import java.io.ByteArrayInputStream;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A data root turned read-only under a running stratad (a real ext4 the kernel remounts read-only
 * after an error, {@link ErroredDisk}): a put and an import fail in one line naming the data root
 * as read-only, as a full disk is named, and fsck reports no damage, the open pack it cannot seal
 * there included (docs/ADVERSARIAL.md, D2).
 */
class ReadOnlyDataRootIT {
  private static final int MB = 1 << 20;

  @TempDir Path dir;

  @Test
  @Timeout(value = 5, unit = TimeUnit.MINUTES)
  void aReadOnlyDataRootIsNamedInOneLineAndIsNoDamage() throws Exception {
    ErroredDisk.run(
        dir,
        (disk, turnReadOnly) -> {
          Path data = disk.resolve("data");
          try (StratadProcess s =
                  StratadProcess.launch(dir.resolve("logs"), "--data", data.toString());
              StrataClient c = connect(s)) {
            byte[] kept = TestData.random(1, 2 * MB);
            c.put(new ByteArrayInputStream(kept), (long) kept.length, TransferListener.NONE);
            turnReadOnly.run();
            byte[] b = TestData.random(2, 4 * MB);
            Throwable put =
                catchThrowable(
                    () ->
                        c.put(new ByteArrayInputStream(b), (long) b.length, TransferListener.NONE));
            assertReadOnly(put, data);

            byte[] layer = Tars.of(Map.of("etc/hello", TestData.random(3, MB)));
            Throwable imported =
                catchThrowable(
                    () ->
                        c.importImage(
                            new ImportArgs("ro:1", null, "ro.tar"),
                            out -> out.write(layer),
                            TransferListener.NONE));
            assertReadOnly(imported, data);

            assertThat(c.fsck().damaged()).as("fsck on the read-only data root").isEmpty();
          }
        });
  }

  private static void assertReadOnly(Throwable e, Path data) {
    assertThat(e)
        .as("the write on the read-only data root")
        .isInstanceOf(StrataClientException.class);
    assertThat(e.getMessage())
        .as(e.getMessage())
        .contains("data root " + data + " is read-only")
        .doesNotContain("\n");
  }

  private static StrataClient connect(StratadProcess s) throws Exception {
    assertThat(s.awaitReady()).as(s.stderr()).isTrue();
    return StrataClient.connect(new HostPort("127.0.0.1", s.port()), null);
  }
}
