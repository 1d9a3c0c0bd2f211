package io.strata.client.cli;

import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * What a CLI run talks to: its standard streams, its environment, and whether a person watches
 * stderr. Injected so that tests run the CLI in-process.
 *
 * @param in standard input, for {@code blob put -}
 * @param stdout standard output as raw bytes, for {@code blob get}; errors writing it are reported
 * @param out standard output for text
 * @param err standard error
 * @param env the environment ({@code STRATA_HOST}, {@code STRATA_TOKEN_FILE})
 * @param interactive whether stderr is a terminal (progress bars only then)
 */
public record Terminal(
    InputStream in,
    OutputStream stdout,
    PrintStream out,
    PrintStream err,
    Map<String, String> env,
    boolean interactive) {
  public Terminal {
    env = Map.copyOf(env);
  }

  /** The process's own streams and environment. */
  public static Terminal system() {
    OutputStream raw = new FileOutputStream(FileDescriptor.out);
    return new Terminal(
        new FileInputStream(FileDescriptor.in),
        raw,
        new PrintStream(raw, true, StandardCharsets.UTF_8),
        new PrintStream(new FileOutputStream(FileDescriptor.err), true, StandardCharsets.UTF_8),
        System.getenv(),
        System.console() != null);
  }
}
