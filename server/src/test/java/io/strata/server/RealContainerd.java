package io.strata.server;

import io.strata.containerd.ContainerdProcess;
import java.io.IOException;
import java.nio.file.Path;

/**
 * containerd with stratad's services as its proxy plugins ({@link ContainerdProcess}), for tests
 * that run containers: closing it also kills the shims of containers still running and detaches the
 * mounts they left.
 */
final class RealContainerd implements AutoCloseable {
  private final ContainerdProcess process;

  private RealContainerd(ContainerdProcess process) {
    this.process = process;
  }

  /** Starts containerd and waits until {@code ctr version} answers (60 s at most). */
  static RealContainerd start(Path dir, Path strataSocket) throws Exception {
    return new RealContainerd(ContainerdProcess.start(dir, strataSocket));
  }

  /** containerd's process id. */
  long pid() {
    return process.pid();
  }

  /** {@code ctr -a SOCKET -n default ARGS}, output and errors together, within 180 s. */
  Cli.Result ctr(String... args) throws Exception {
    ContainerdProcess.Ctr r = process.ctr(args);
    return new Cli.Result(r.exit(), r.output(), "");
  }

  /** As {@link #ctr}, failing the test unless it exits 0; its output. */
  String ok(String... args) throws Exception {
    return process.ok(args);
  }

  /** Stops containerd, and its shims with it, and detaches what it left mounted. */
  @Override
  public void close() throws IOException {
    Path dir = process.dir();
    try {
      // Containers still running would keep their shims (and their bind mounts) alive. A shim
      // names this containerd's socket (-address DIR/containerd.sock), not its state directory.
      Cli.sh("pkill -9 -f 'containerd-shim.* " + dir + "/'; true", 30);
      process.close();
      Cli.sh(
          "grep -o ' " + dir + "[^ ]*' /proc/self/mounts | sort -r | xargs -r -n1 umount -l; true",
          30);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while stopping containerd", e);
    }
  }
}
