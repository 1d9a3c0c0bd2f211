package io.strata.fuse;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A mount whose server was killed is found stale and detached at the next start, even while the
 * kernel still answers a stat of its root from cached attributes (CI once saw a restarted server
 * keep such a mount and fail every later use of its directory).
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class StaleMountTest {
  @TempDir Path dir;

  @BeforeAll
  static void fuse() {
    MountedSnapshot.requireFuse();
  }

  @Test
  void aKilledServersMountIsStaleThoughItsRootAttributesAreCached() throws Exception {
    Path mounts = Files.createDirectories(dir.resolve("mounts"));
    Path mp = Files.createDirectories(mounts.resolve("left"));
    Process p =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp",
                System.getProperty("java.class.path"),
                ServeThenHalt.class.getName(),
                dir.resolve("data").toString(),
                mp.toString())
            .redirectErrorStream(true)
            .start();
    try {
      assertThat(p.waitFor(90, TimeUnit.SECONDS)).as("the serving process ends").isTrue();
      String said = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertThat(said).as(said).contains("mounted");
      MountTable.Entry left = MountTable.at(mp);
      assertThat(left).as("the killed server's mount is still there").isNotNull();
      assertThat(left.isFuse()).isTrue();

      assertThat(MountTable.isStale(mp)).isTrue();
      assertThat(FuseMounts.detachStaleUnder(mounts)).isEqualTo(1);
      assertThat(MountTable.at(mp)).isNull();
      assertThat(Files.isDirectory(mp)).isTrue();
    } finally {
      p.destroyForcibly();
      if (MountTable.at(mp) != null) {
        MountTable.detach(mp);
      }
    }
  }
}
