package io.strata.containerd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.strata.store.Engine;
import io.strata.store.engine.ChunkStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Why a socket cannot be made where it is asked for, in one sentence, before binding. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class SocketPlaceTest {
  @TempDir Path dir;

  @Test
  void aMissingDirectoryIsNamedAndTheStoreIsLeftAlone() throws Exception {
    Path socket = dir.resolve("nodir/x.sock");
    try (Engine engine = Engine.open(dir.resolve("data"), "btrfs", ChunkStore.Options.defaults())) {
      // the second socket fails: the first one is not left served
      List<ContainerdSocket> sockets =
          List.of(ContainerdSocket.of(dir.resolve("ok.sock")), new ContainerdSocket("k8s", socket));
      assertThatThrownBy(
              () -> ContainerdServer.start(engine, sockets, SnapshotMounts.unavailable()))
          .isInstanceOf(IOException.class)
          .hasMessage(
              "containerd socket " + socket + ": no such directory " + dir.resolve("nodir"));
    }
    assertThat(dir.resolve("ok.sock")).doesNotExist();
  }

  @Test
  void aPathLongerThanASocketsIs107BytesIsRefusedSayingSo() throws Exception {
    Path deep = Files.createDirectories(dir.resolve("d".repeat(120)));
    Path socket = deep.resolve("c.sock");
    int bytes = socket.toString().length();
    assertThatThrownBy(() -> ContainerdServer.checkPlace(socket))
        .hasMessage(
            "containerd socket "
                + socket
                + ": a unix socket path is at most 107 bytes; this one is "
                + bytes);
    // 107 bytes exactly is a socket
    Path dir107 =
        Files.createDirectories(dir.resolve("e".repeat(107 - dir.toString().length() - 8)));
    Path fits = dir107.resolve("c.sock");
    assertThat(fits.toString()).hasSize(107);
    ContainerdServer.checkPlace(fits);
    try (Engine engine = Engine.open(dir.resolve("data"), "btrfs", ChunkStore.Options.defaults());
        ContainerdServer s = ContainerdServer.start(engine, fits, SnapshotMounts.unavailable())) {
      assertThat(s.sockets()).containsExactly(fits);
    }
  }

  @Test
  void aFileForADirectoryOrOneThatMayNotBeWrittenIsNamed() throws Exception {
    Path file = Files.writeString(dir.resolve("file"), "");
    assertThatThrownBy(() -> ContainerdServer.checkPlace(file.resolve("x.sock")))
        .hasMessage(
            "containerd socket " + file.resolve("x.sock") + ": " + file + " is not a directory");
    // Runs as root, which permissions do not stop: a read-only file system does.
    Path ro = Files.createDirectories(dir.resolve("ro"));
    run("mount", "-t", "tmpfs", "-o", "ro,size=64k", "tmpfs", ro.toString());
    try {
      assertThatThrownBy(() -> ContainerdServer.checkPlace(ro.resolve("x.sock")))
          .hasMessage(
              "containerd socket "
                  + ro.resolve("x.sock")
                  + ": this process may not create files in "
                  + ro
                  + " (permission denied, or a read-only file system)");
    } finally {
      run("umount", ro.toString());
    }
  }

  private static void run(String... cmd) throws Exception {
    Process p = new ProcessBuilder(cmd).inheritIO().start();
    assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as(String.join(" ", cmd)).isZero();
  }
}
