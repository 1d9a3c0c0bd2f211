package io.strata.store.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The real tools interop tests drive (skopeo, umoci, containerd, curl…). A test that needs one
 * fails when it is missing, naming the Debian package, instead of skipping: a skipped interop test
 * would pass while proving nothing. {@code .ci/run} installs them all.
 */
public final class Tools {
  private Tools() {}

  /** Whether {@code tool} is an executable on the PATH. */
  public static boolean onPath(String tool) {
    String path = System.getenv().getOrDefault("PATH", "/usr/bin:/bin");
    for (String d : path.split(File.pathSeparator)) {
      if (!d.isEmpty() && Files.isExecutable(Path.of(d, tool))) {
        return true;
      }
    }
    return false;
  }

  /** Fails the test unless each of {@code tools} is on the PATH. */
  public static void require(String... tools) {
    for (String t : tools) {
      assertThat(onPath(t))
          .as(
              "%s is not installed (Debian: apt-get install %s); this test drives it, and"
                  + " .ci/run installs it",
              t, packageOf(t))
          .isTrue();
    }
  }

  private static String packageOf(String tool) {
    return switch (tool) {
      case "ctr" -> "containerd";
      case "openssl" -> "openssl";
      case "kill", "pkill" -> "procps";
      default -> tool;
    };
  }
}
