package io.strata.server;

import io.strata.client.cli.StrataCli;
import io.strata.client.cli.Terminal;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** The {@code strata} CLI run in-process against a server, and shell commands with a deadline. */
final class Cli {
  /** What a command printed and how it ended. */
  record Result(int exit, String out, String err) {
    @Override
    public String toString() {
      return "exit " + exit + ", out: " + out + ", err: " + err;
    }
  }

  private final int port;

  Cli(int port) {
    this.port = port;
  }

  /** {@code strata ARGS} against the server. */
  Result strata(String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    Terminal t =
        new Terminal(
            new ByteArrayInputStream(new byte[0]),
            out,
            new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8),
            Map.of("STRATA_HOST", "127.0.0.1:" + port),
            false,
            false,
            false);
    int exit = StrataCli.run(args, t);
    return new Result(
        exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  /** {@code sh -c CMD}, stdout and stderr together, killed after {@code seconds}. */
  static Result sh(String cmd, int seconds) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(List.of("sh", "-c", cmd)).redirectErrorStream(true).start();
    List<byte[]> got = new ArrayList<>();
    Thread reader =
        new Thread(
            () -> {
              try {
                got.add(p.getInputStream().readAllBytes());
              } catch (IOException e) {
                got.add(e.toString().getBytes(StandardCharsets.UTF_8));
              }
            });
    reader.start();
    if (!p.waitFor(seconds, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      reader.join(5_000);
      return new Result(
          -1, got.isEmpty() ? "" : new String(got.get(0), StandardCharsets.UTF_8), "timed out");
    }
    reader.join(5_000);
    return new Result(
        p.exitValue(), got.isEmpty() ? "" : new String(got.get(0), StandardCharsets.UTF_8), "");
  }

  /** Detaches whatever is mounted at {@code dir}, if anything (cleanup after a failed test). */
  static void detach(java.nio.file.Path dir) throws IOException, InterruptedException {
    sh("umount -l " + dir + " 2>/dev/null; true", 30);
  }
}
