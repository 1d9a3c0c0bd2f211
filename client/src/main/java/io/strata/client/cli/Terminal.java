package io.strata.client.cli;

import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.PushbackInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * What a CLI run talks to: its standard streams, its environment, and which of them a person
 * watches. Injected so that tests run the CLI in-process.
 *
 * @param in standard input, for {@code blob put -}
 * @param stdout standard output as raw bytes, for {@code blob get}; errors writing it are reported
 * @param out standard output for text
 * @param err standard error
 * @param env the environment ({@code STRATA_HOST}, {@code STRATA_TOKEN_FILE})
 * @param interactive whether stderr is a terminal (progress bars only then, whatever stdout is)
 * @param inputTerminal whether standard input is a terminal ({@code volume prune} asks only then)
 * @param outputTerminal whether standard output is a terminal (tars are never written to one)
 */
public record Terminal(
    InputStream in,
    OutputStream stdout,
    PrintStream out,
    PrintStream err,
    Map<String, String> env,
    boolean interactive,
    boolean inputTerminal,
    boolean outputTerminal) {
  public Terminal {
    env = Map.copyOf(env);
    // one byte can be looked at and put back (inputEmpty)
    in = in == null || in instanceof PushbackInputStream ? in : new PushbackInputStream(in, 1);
  }

  /**
   * Whether standard input ends before its first byte. Waits for that byte, and puts it back for
   * the reader that follows.
   */
  public boolean inputEmpty() throws IOException {
    PushbackInputStream p = (PushbackInputStream) in;
    int first = p.read();
    if (first < 0) {
      return true;
    }
    p.unread(first);
    return false;
  }

  /** Streams none of which is a terminal except, if {@code interactive}, stderr. */
  public Terminal(
      InputStream in,
      OutputStream stdout,
      PrintStream out,
      PrintStream err,
      Map<String, String> env,
      boolean interactive) {
    this(in, stdout, out, err, env, interactive, false, false);
  }

  /** The process's own streams and environment. */
  public static Terminal system() {
    OutputStream raw = new Stdout(new FileOutputStream(FileDescriptor.out));
    boolean console = System.console() != null;
    return new Terminal(
        new FileInputStream(FileDescriptor.in),
        raw,
        new PrintStream(raw, true, StandardCharsets.UTF_8),
        new PrintStream(new FileOutputStream(FileDescriptor.err), true, StandardCharsets.UTF_8),
        System.getenv(),
        isTerminal(2, console),
        isTerminal(0, console),
        isTerminal(1, console));
  }

  /**
   * Whether file descriptor {@code fd} of this process is a terminal. Java 17 cannot ask isatty of
   * one descriptor, so this reads where Linux's {@code /proc/self/fd} points; elsewhere it falls
   * back to {@code console}, which says whether stdin and stdout both are.
   */
  private static boolean isTerminal(int fd, boolean console) {
    Path link = Path.of("/proc/self/fd/" + fd);
    try {
      String target = Files.readSymbolicLink(link).toString();
      return target.startsWith("/dev/pts/")
          || target.startsWith("/dev/tty")
          || target.equals("/dev/console");
    } catch (IOException | UnsupportedOperationException e) {
      return console;
    }
  }
}
