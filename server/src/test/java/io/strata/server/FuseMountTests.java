package io.strata.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;

/**
 * What every test class that mounts a container through {@code strata mount} starts from: a scratch
 * directory, FUSE required (the tests fail, never skip, without it), and the mount point a test
 * used detached afterwards whatever became of its server.
 */
abstract class FuseMountTests {
  @TempDir Path dir;

  /** The mount point of the test, detached after it when set. */
  Path mnt;

  @BeforeAll
  static void fuse() {
    assertThat(Path.of("/dev/fuse"))
        .as("/dev/fuse is missing: the mount tests need FUSE (and root); CI runs them as root")
        .exists();
  }

  @AfterEach
  void cleanUp() throws Exception {
    if (mnt != null) {
      Cli.detach(mnt);
    }
  }
}
