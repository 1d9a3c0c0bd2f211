package io.strata.files;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/**
 * Commands for the tests: files whose names or attributes the JDK cannot make are made by {@code
 * sh} from bytes (setfattr and getfattr are package attr, which CI installs).
 */
public final class Shell {
  private Shell() {}

  /** Runs {@code cmd} in {@code sh}; its output, stdout and stderr, which must end with 0. */
  public static String sh(String cmd) throws IOException, InterruptedException {
    return run(new ProcessBuilder("sh", "-c", cmd));
  }

  /** Runs {@code b} for at most a minute; its output, stdout and stderr, which must end with 0. */
  public static String run(ProcessBuilder b) throws IOException, InterruptedException {
    Process p = b.redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("%s", b.command()).isTrue();
    assertThat(p.exitValue()).as("%s: %s", b.command(), out).isZero();
    return out;
  }
}
