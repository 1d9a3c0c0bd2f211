package io.strata.perf.peer;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * Runs the command-line tools of the runs (the peers, umoci) to completion with their output
 * appended to a log, so a failure can be read afterwards while a success prints nothing into the
 * report.
 */
public final class ExternalCommand {
  private ExternalCommand() {}

  /** The first line of {@code command}'s output, or null if it cannot be run or fails. */
  public static String version(String... command) {
    try {
      Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
      String v = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
      return p.waitFor() == 0 ? v.lines().findFirst().orElse(v) : null;
    } catch (IOException e) {
      return null;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    }
  }

  /**
   * Runs {@code command} with {@code env} added to the environment; fails, naming it {@code what},
   * unless it exits with one of {@code okExits} within an hour.
   */
  public static void run(
      String what, List<String> command, Map<String, String> env, Set<Integer> okExits, Path log)
      throws IOException {
    ProcessBuilder pb =
        new ProcessBuilder(command)
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
    pb.environment().putAll(env);
    try {
      Process p = pb.start();
      if (!p.waitFor(1, TimeUnit.HOURS)) {
        p.destroyForcibly();
        throw new IOException(what + " ran for an hour; see " + log);
      }
      if (!okExits.contains(p.exitValue())) {
        throw new IOException(what + " exited with " + p.exitValue() + "; see " + log);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException(what + ": interrupted", e);
    }
  }
}
