package io.strata.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Debian's containerd 1.6 with its own root, state and socket under {@code dir}, and a config whose
 * proxy plugins are stratad's services on {@code strataSocket} (the configuration of
 * docs/CONTAINERD.md): snapshotter {@code strata} and the content store. Driven with {@code ctr}.
 * Runs as root.
 */
final class RealContainerd implements AutoCloseable {
  private final Path dir;
  private final Path socket;
  private final Process process;

  private RealContainerd(Path dir, Path socket, Process process) {
    this.dir = dir;
    this.socket = socket;
    this.process = process;
  }

  /** Starts containerd and waits until {@code ctr version} answers (60 s at most). */
  static RealContainerd start(Path dir, Path strataSocket) throws Exception {
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
    RealContainerd c = new RealContainerd(dir, socket, p);
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

  String log() throws IOException {
    Path l = dir.resolve("containerd.log");
    return Files.exists(l) ? Files.readString(l) : "";
  }

  /** {@code ctr -a SOCKET -n default ARGS}, output and errors together, within 180 s. */
  Cli.Result ctr(String... args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of("ctr", "-a", socket.toString(), "-n", "default"));
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    byte[] out = p.getInputStream().readAllBytes();
    if (!p.waitFor(180, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      return new Cli.Result(-1, new String(out, StandardCharsets.UTF_8), "timed out");
    }
    return new Cli.Result(p.exitValue(), new String(out, StandardCharsets.UTF_8), "");
  }

  /** As {@link #ctr}, failing the test unless it exits 0; its output. */
  String ok(String... args) throws Exception {
    Cli.Result r = ctr(args);
    assertThat(r.exit()).as("ctr %s: %s", String.join(" ", args), r.out()).isZero();
    return r.out();
  }

  /** Stops containerd, and its shims with it, and detaches what it left mounted. */
  @Override
  public void close() throws IOException {
    try {
      // Containers still running would keep their shims (and their bind mounts) alive.
      Cli.sh("pkill -9 -f 'containerd-shim.*" + dir.resolve("state") + "'; true", 30);
      process.destroy();
      if (!process.waitFor(30, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
      }
      Cli.sh(
          "grep -o ' " + dir + "[^ ]*' /proc/self/mounts | sort -r | xargs -r -n1 umount -l; true",
          30);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while stopping containerd", e);
    }
  }
}
