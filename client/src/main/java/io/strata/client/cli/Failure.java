package io.strata.client.cli;

import io.strata.client.StrataClientException;
import io.strata.protocol.Status;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * How a failed run ends: one line on stderr (or one line of JSON under {@code --json}) and an exit
 * code. Without picocli, so that the picocli path ({@link StrataCli}) and the quick path ({@link
 * QuickCommand}) report alike by calling the same code.
 */
final class Failure {
  private Failure() {}

  /** Reports {@code e} of a command; returns the exit code. */
  static int report(Exception e, Terminal terminal, boolean json, boolean debug) {
    if (Stdout.closedBy(e)) {
      // the reader of standard output went away (| head): it has what it wanted
      return ExitStatus.OK;
    }
    String message = e.getMessage() != null ? e.getMessage() : e.getClass().getName();
    int code;
    if (e instanceof StrataClientException s) {
      code = ExitStatus.of(s.status());
      if (s.status() == Status.UNIMPLEMENTED) { // the server's words name only the opcode (AI6)
        message +=
            ": the server is older than this client; upgrade stratad, or use the strata of its"
                + " release";
      }
    } else if (e instanceof IllegalArgumentException) {
      code = ExitStatus.USAGE;
    } else if (e instanceof IOException) {
      code = ExitStatus.FAILED;
    } else {
      code = ExitStatus.FAILED;
      message = "internal error: " + message;
    }
    print(terminal, json, message, e instanceof StrataClientException s ? s.status() : null, code);
    if (debug) {
      e.printStackTrace(terminal.err());
    }
    return code;
  }

  /**
   * Reports a usage error of {@code command} (its qualified name, {@code strata ps}): {@code
   * strata: MESSAGE}, the {@code suggestions} of a mistyped word, and where help is; under {@code
   * --json} one line of JSON. Returns the exit code, {@link ExitStatus#USAGE}.
   */
  static int usage(
      Terminal terminal, String command, String message, List<String> suggestions, boolean json) {
    if (json) {
      errorJson(terminal, message, null, ExitStatus.USAGE);
      return ExitStatus.USAGE;
    }
    terminal.err().println("strata: " + message);
    if (!suggestions.isEmpty()) {
      terminal
          .err()
          .println(
              "Did you mean: "
                  + String.join(", ", suggestions.stream().map(s -> command + " " + s).toList())
                  + "?");
    }
    terminal.err().println("Try '" + command + " --help'.");
    return ExitStatus.USAGE;
  }

  /**
   * Reports a failure on stderr: {@code strata: MESSAGE}, or under {@code --json} one line of JSON,
   * {@code {"error": MESSAGE, "status": STATUS, "exitCode": N}} ({@code status} when the server
   * gave one), as restic reports errors under {@code --json}.
   */
  static void print(Terminal terminal, boolean json, String message, Status status, int exitCode) {
    if (json) {
      errorJson(terminal, message, status, exitCode);
    } else {
      terminal.err().println("strata: " + message);
    }
  }

  private static void errorJson(Terminal terminal, String message, Status status, int exitCode) {
    Map<String, Object> error = new LinkedHashMap<>();
    error.put("error", message);
    if (status != null) {
      error.put("status", status.name());
    }
    error.put("exitCode", exitCode);
    terminal.err().println(Template.json(error));
  }
}
