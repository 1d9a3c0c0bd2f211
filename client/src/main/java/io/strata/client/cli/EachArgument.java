package io.strata.client.cli;

import io.strata.client.StrataClientException;
import java.io.IOException;
import java.util.List;

/**
 * Runs one request per argument ({@code rm C...}, {@code volume rm NAME...}), reporting each
 * failure on stderr and going on with the next, as Docker does. A lost connection stops the run.
 */
final class EachArgument {
  /** Acts on one argument. */
  @FunctionalInterface
  interface Action {
    void apply(String argument) throws IOException;
  }

  private EachArgument() {}

  /**
   * Applies {@code action} to every argument; returns 0 if all succeeded, the failures' exit code
   * if they share one (so a single missing name exits 4), else 1.
   */
  static int run(StrataCli cli, List<String> arguments, Action action) throws IOException {
    int code = ExitStatus.OK;
    for (String a : arguments) {
      try {
        action.apply(a);
      } catch (StrataClientException e) {
        int c = ExitStatus.of(e.status());
        if (c == ExitStatus.UNREACHABLE) {
          throw e;
        }
        cli.printError(e.getMessage(), e.status(), c);
        code = code == ExitStatus.OK || code == c ? c : ExitStatus.FAILED;
      }
    }
    return code;
  }
}
