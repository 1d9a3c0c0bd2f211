package io.strata.containerd;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Debian's containerd 1.6 with its own root, state and socket under a directory, and a config whose
 * proxy plugins are stratad's services on a unix socket (the configuration of docs/CONTAINERD.md):
 * snapshotter {@code strata} and the content store. Driven with {@code ctr}; runs as root. Shared
 * by this module's tests (services in-process) and the server's (a real stratad).
 */
public final class ContainerdProcess implements AutoCloseable {
  /** What a {@code ctr} call printed (output and errors together) and its exit status. */
  public record Ctr(int exit, String output) {}

  private final Path dir;
  private final Path socket;
  private final Process process;

  private ContainerdProcess(Path dir, Path socket, Process process) {
    this.dir = dir;
    this.socket = socket;
    this.process = process;
  }

  /**
   * Writes the config under {@code dir}, starts containerd and waits until {@code ctr version}
   * answers (60 s at most).
   */
  public static ContainerdProcess start(Path dir, Path strataSocket) throws Exception {
    Files.createDirectories(dir);
    Path socket = dir.resolve("containerd.sock");
    Path config = dir.resolve("config.toml");
    Files.writeString(
        config,
        String.join(
            "\n",
            "version = 2",
            "root = \"" + dir.resolve("root") + "\"",
            "state = \"" + dir.resolve("state") + "\"",
            "disabled_plugins = [\"io.containerd.content.v1.content\"]",
            "[grpc]",
            "  address = \"" + socket + "\"",
            "[proxy_plugins]",
            "  [proxy_plugins.strata]",
            "    type = \"snapshot\"",
            "    address = \"" + strataSocket + "\"",
            "  [proxy_plugins.strata-content]",
            "    type = \"content\"",
            "    address = \"" + strataSocket + "\"",
            ""));
    Process p =
        new ProcessBuilder("containerd", "--config", config.toString())
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve("containerd.log").toFile())
            .start();
    ContainerdProcess c = new ContainerdProcess(dir, socket, p);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (true) {
      assertThat(p.isAlive()).as("containerd runs: %s", c.log()).isTrue();
      if (Files.exists(socket) && c.ctr("version").exit() == 0) {
        return c;
      }
      assertThat(System.nanoTime())
          .as("containerd up within 60 s: %s", c.log())
          .isLessThan(deadline);
      p.waitFor(100, TimeUnit.MILLISECONDS);
    }
  }

  /** The directory holding containerd's root, state, socket, config and log. */
  public Path dir() {
    return dir;
  }

  /** containerd's process id. */
  public long pid() {
    return process.pid();
  }

  /** What containerd has logged so far. */
  public String log() throws IOException {
    Path l = dir.resolve("containerd.log");
    return Files.exists(l) ? Files.readString(l) : "";
  }

  /**
   * {@code ctr -a SOCKET -n default ARGS}, output and errors together; exit -1 with what it printed
   * when it has not ended within 180 s (it is then killed).
   */
  public Ctr ctr(String... args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of("ctr", "-a", socket.toString(), "-n", "default"));
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    byte[] out = p.getInputStream().readAllBytes();
    if (!p.waitFor(180, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      return new Ctr(-1, new String(out, StandardCharsets.UTF_8) + "\n(timed out)");
    }
    return new Ctr(p.exitValue(), new String(out, StandardCharsets.UTF_8));
  }

  /** As {@link #ctr}, failing the test unless it exits 0; its output. */
  public String ok(String... args) throws Exception {
    Ctr r = ctr(args);
    assertThat(r.exit()).as("ctr %s: %s", String.join(" ", args), r.output()).isZero();
    return r.output();
  }

  /** Stops containerd (TERM, then KILL after 30 s). */
  @Override
  public void close() throws IOException {
    try {
      process.destroy();
      if (!process.waitFor(30, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while stopping containerd", e);
    }
  }
}
