package io.strata.client.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;

/**
 * The yes a command that deletes data wants ({@code prune}): on a terminal it asks, as docker does;
 * without one (a script) nothing can answer, so {@code -f} is required there.
 */
final class Confirmation {
  private Confirmation() {}

  /** Refuses, before connecting, a run without {@code -f} that nobody can answer. */
  static void require(CommandSpec spec, boolean force, String what) {
    StrataCli cli = (StrataCli) spec.root().userObject();
    if (!force && !cli.terminal().inputTerminal()) {
      throw new ParameterException(
          spec.commandLine(),
          what + " deletes data: give -f to confirm when standard input is not a terminal");
    }
  }

  /** Prints {@code warning} and asks; true for y or yes. */
  static boolean ask(Terminal t, String warning) throws IOException {
    t.err().println(warning);
    t.err().print("Are you sure you want to continue? [y/N] ");
    t.err().flush();
    String answer =
        new BufferedReader(new InputStreamReader(t.in(), StandardCharsets.UTF_8)).readLine();
    return answer != null
        && (answer.trim().equalsIgnoreCase("y") || answer.trim().equalsIgnoreCase("yes"));
  }
}
