package io.strata.client.cli;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/** Runs the CLI in-process against captured streams, with chosen terminals. */
final class CliHarness {
  final ByteArrayOutputStream out = new ByteArrayOutputStream();
  final ByteArrayOutputStream err = new ByteArrayOutputStream();
  private byte[] stdin = new byte[0];
  private boolean inputTerminal;
  private boolean outputTerminal;

  /** Standard input is {@code bytes}. */
  CliHarness stdin(byte[] bytes) {
    stdin = bytes.clone();
    return this;
  }

  /** Standard input and output are terminals. */
  CliHarness terminals() {
    inputTerminal = true;
    outputTerminal = true;
    return this;
  }

  int run(Map<String, String> env, String... args) {
    return StrataCli.run(args, terminal(env));
  }

  /** Runs over the whole command tree, as the manual describes it. */
  int runWhole(Map<String, String> env, String... args) {
    return StrataCli.run(args, terminal(env), null);
  }

  private Terminal terminal(Map<String, String> env) {
    return new Terminal(
        new ByteArrayInputStream(stdin),
        out,
        new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8),
        env,
        false,
        inputTerminal,
        outputTerminal);
  }

  /**
   * Runs against a port nothing listens on: a command that connects exits 3, so exit 2 proves the
   * CLI refused the arguments on its own.
   */
  int offline(String... args) {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return run(Map.of("STRATA_HOST", "127.0.0.1:" + port), args);
  }

  String out() {
    return out.toString(StandardCharsets.UTF_8);
  }

  String err() {
    return err.toString(StandardCharsets.UTF_8);
  }
}
