package io.strata.server.registry;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A pull that writes the blob cache's copy aside as it sends: the copy failing (a full disk) must
 * not fail the pull, which was cut short at the free space (docs/ADVERSARIAL.md, T1).
 */
@Timeout(30)
class CopyAsideTest {
  @TempDir Path dir;

  private static byte[] random(long seed, int size) {
    byte[] b = new byte[size];
    new java.util.Random(seed).nextBytes(b);
    return b;
  }

  @Test
  void aCopyThatFailsIsGivenUpAndTheReadGoesOnWhole() throws IOException {
    byte[] blob = random(1, 300_000);
    OutputStream fullDisk =
        new OutputStream() {
          private int written;

          @Override
          public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
          }

          @Override
          public void write(byte[] b, int off, int len) throws IOException {
            if (written + len > 100_000) {
              throw new IOException("No space left on device");
            }
            written += len;
          }
        };
    CopyAside in = new CopyAside(new ByteArrayInputStream(blob), fullDisk);
    assertThat(in.readAllBytes()).isEqualTo(blob);
    in.close();
    assertThat(in.copied()).as("the copy is incomplete").isFalse();
  }

  @Test
  void aCopyThatSucceedsHoldsEveryByteRead() throws IOException {
    byte[] blob = random(2, 300_000);
    Path file = dir.resolve("copy");
    CopyAside in = CopyAside.toFile(new ByteArrayInputStream(blob), file);
    ByteArrayOutputStream sent = new ByteArrayOutputStream();
    byte[] buf = new byte[7000];
    int n;
    while ((n = in.read(buf, 0, buf.length)) > 0) {
      sent.write(buf, 0, n);
    }
    in.close();
    assertThat(sent.toByteArray()).isEqualTo(blob);
    assertThat(in.copied()).isTrue();
    assertThat(Files.readAllBytes(file)).isEqualTo(blob);
  }

  @Test
  void aCopyThatCannotBeCreatedLeavesTheReadAlone() throws IOException {
    byte[] blob = random(3, 50_000);
    CopyAside in =
        CopyAside.toFile(new ByteArrayInputStream(blob), dir.resolve("no/such/dir/copy"));
    assertThat(in.readAllBytes()).isEqualTo(blob);
    assertThat(in.copied()).isFalse();
  }
}
