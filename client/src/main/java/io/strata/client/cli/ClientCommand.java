package io.strata.client.cli;

import io.strata.client.StrataClient;
import java.io.IOException;
import java.util.concurrent.Callable;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** A command that talks to the server: connects, runs, disconnects, returns the exit code. */
abstract class ClientCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Override
  public final Integer call() throws Exception {
    StrataCli cli = cli();
    checkArguments();
    checkInput(cli);
    try (StrataClient client = cli.connect()) {
      return run(client, cli);
    }
  }

  /** The run this command belongs to: global options, terminal. */
  final StrataCli cli() {
    return (StrataCli) spec.root().userObject();
  }

  /**
   * Refuses malformed arguments before connecting, so that a typo is a usage error whether or not
   * the server is up. Commands without such arguments check nothing.
   */
  void checkArguments() {}

  /**
   * Refuses, before connecting, input the command would send that cannot be what it needs (an empty
   * standard input for a load): a failed operation (exit 1), not a usage error. Commands that send
   * no such input check nothing.
   */
  void checkInput(StrataCli cli) throws IOException {}

  /** Does the work; returns the exit code. */
  abstract int run(StrataClient client, StrataCli cli) throws Exception;
}
