package io.strata.fuse;

import static org.assertj.core.api.Assertions.assertThat;

import io.strata.store.Engine;
import io.strata.store.driver.StorageDriver;
import io.strata.store.engine.ChunkStore;
import java.io.Closeable;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A test fixture: an engine on a data root with an active snapshot, served through FUSE at a
 * directory. Tools run against the mount with {@link #run}.
 */
final class MountedSnapshot implements Closeable {
  static final String KEY = "active";

  final Path dataRoot;
  final Path mountPoint;
  Engine engine;
  FuseMounts mounts;
  FuseMount mount;

  private MountedSnapshot(Path dir, String driver) throws IOException {
    this.dataRoot = dir.resolve("data");
    this.mountPoint = Files.createDirectories(dir.resolve("mnt"));
    this.engine = Engine.open(dataRoot, driver, ChunkStore.Options.defaults());
    engine.storage().prepare(KEY, null, Map.of());
    this.mounts = new FuseMounts(dataRoot);
    this.mount = mounts.mount(engine.storage().fs(KEY), mountPoint, false);
  }

  /**
   * Fails, rather than skips, when this machine cannot mount: the tests need /dev/fuse and root.
   */
  static void requireFuse() {
    assertThat(Path.of("/dev/fuse"))
        .as("/dev/fuse is missing: the fuse tests need FUSE (and root); CI runs them as root")
        .exists();
  }

  static MountedSnapshot open(Path dir) throws IOException {
    return new MountedSnapshot(dir, "btrfs");
  }

  static MountedSnapshot open(Path dir, String driver) throws IOException {
    return new MountedSnapshot(dir, driver);
  }

  StorageDriver driver() throws IOException {
    return engine.storage();
  }

  Path path(String name) {
    return mountPoint.resolve(name);
  }

  /** Unmounts, closes the engine and opens it again, mounting the same snapshot. */
  void reopen() throws IOException {
    mounts.close();
    engine.close();
    engine = Engine.open(dataRoot, null, ChunkStore.Options.defaults());
    mounts = new FuseMounts(dataRoot);
    mount = mounts.mount(engine.storage().fs(KEY), mountPoint, false);
  }

  /** The result of a command. */
  record Run(int exit, String out) {}

  /** Runs {@code cmd} (through sh -c) with a deadline; stdout and stderr together. */
  static Run run(String cmd) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(List.of("sh", "-c", cmd)).redirectErrorStream(true).start();
    List<byte[]> chunks = new ArrayList<>();
    Thread reader =
        new Thread(
            () -> {
              try {
                chunks.add(p.getInputStream().readAllBytes());
              } catch (IOException e) {
                chunks.add(("<" + e + ">").getBytes(StandardCharsets.UTF_8));
              }
            });
    reader.start();
    if (!p.waitFor(120, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError("command timed out: " + cmd);
    }
    reader.join(10_000);
    String out = chunks.isEmpty() ? "" : new String(chunks.get(0), StandardCharsets.UTF_8);
    return new Run(p.exitValue(), out);
  }

  /** Runs {@code cmd} and asserts it succeeds; its output. */
  static String ok(String cmd) throws IOException, InterruptedException {
    Run r = run(cmd);
    assertThat(r.exit()).as("%s: %s", cmd, r.out()).isZero();
    return r.out();
  }

  @Override
  public void close() throws IOException {
    try {
      mounts.close();
    } finally {
      engine.close();
    }
  }
}
