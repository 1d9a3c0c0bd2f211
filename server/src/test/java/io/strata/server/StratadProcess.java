package io.strata.server;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** stratad as a separate JVM, as users run it: for signals, locks, crashes and refusals. */
final class StratadProcess implements AutoCloseable {
  private final Process process;
  private final Path stdout;
  private final Path stderr;
  private static final String READY = "stratad listening on ";

  private StratadProcess(Process process, Path stdout, Path stderr) {
    this.process = process;
    this.stdout = stdout;
    this.stderr = stderr;
  }

  /**
   * Starts {@code stratad --listen 127.0.0.1:0 ARGS} (ARGS may name their own {@code --listen})
   * with its output in {@code logs}. The server binds a port of the kernel's choice, so no other
   * process can take it between choosing and binding; {@link #port} reads it from the ready line.
   */
  static StratadProcess launch(Path logs, String... args) throws IOException {
    return launch(List.of(), logs, args);
  }

  /** As {@link #launch(Path, String...)}, with {@code jvm} options (a heap limit) for its JVM. */
  static StratadProcess launch(List<String> jvm, Path logs, String... args) throws IOException {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.addAll(jvm);
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    cmd.add(Stratad.class.getName());
    return start(cmd, logs, args);
  }

  /**
   * Starts {@code bin/stratad} (the built jar, as users run it) with at most {@code openFiles}
   * descriptors open at once: {@code ulimit -n}, soft and hard, so the JVM cannot raise it. Not the
   * test's class path: its hundred jars alone would take most of a small limit.
   */
  static StratadProcess launchBinWithOpenFiles(int openFiles, Path logs, String... args)
      throws IOException {
    // failsafe runs in the module's directory; bash execs the script, which execs java: the
    // server keeps bash's pid.
    Path bin = Path.of("").toAbsolutePath().getParent().resolve("bin/stratad");
    List<String> cmd =
        new ArrayList<>(
            List.of(
                "bash", "-c", "ulimit -n " + openFiles + " && exec \"$0\" \"$@\"", bin.toString()));
    return start(cmd, logs, args);
  }

  private static StratadProcess start(List<String> cmd, Path logs, String... args)
      throws IOException {
    if (!List.of(args).contains("--listen")) {
      cmd.add("--listen");
      cmd.add("127.0.0.1:0");
    }
    cmd.addAll(List.of(args));
    Files.createDirectories(logs);
    Path out = Files.createTempFile(logs, "stratad", ".out");
    Path err = Files.createTempFile(logs, "stratad", ".err");
    Process p =
        new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
    return new StratadProcess(p, out, err);
  }

  /** The port the server listens on, from its ready line: call after {@link #awaitReady}. */
  int port() {
    try {
      for (String line : stdout().split("\n")) {
        if (line.startsWith(READY)) {
          String address = line.substring(READY.length()).split(" ")[0];
          return Integer.parseInt(address.substring(address.lastIndexOf(':') + 1));
        }
      }
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    throw new IllegalStateException("stratad has not printed its ready line");
  }

  Process process() {
    return process;
  }

  String stdout() throws IOException {
    return Files.readString(stdout, StandardCharsets.UTF_8);
  }

  String stderr() throws IOException {
    return Files.readString(stderr, StandardCharsets.UTF_8);
  }

  /** Waits for the ready line; false if the process ended or 60 s passed first. */
  boolean awaitReady() throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (System.nanoTime() < deadline) {
      if (stdout().contains(READY)) {
        return true;
      }
      if (!process.isAlive()) {
        return false;
      }
      Thread.sleep(50);
    }
    return false;
  }

  /** Waits for the process to end; its exit code, or -1 after 60 s. */
  int awaitExit() throws InterruptedException {
    return process.waitFor(60, TimeUnit.SECONDS) ? process.exitValue() : -1;
  }

  /** Kills the process if a test left it running. */
  @Override
  public void close() {
    if (process.isAlive()) {
      process.destroyForcibly();
      process.onExit().join();
    }
  }
}
