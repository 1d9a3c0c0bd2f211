package io.strata.containerd;

import static org.assertj.core.api.Assertions.assertThat;

import io.strata.containerd.api.content.InfoRequest;
import io.strata.containerd.api.snapshots.StatSnapshotRequest;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Debian's containerd 1.6 with stratad's services as its proxy plugins (the configuration of
 * docs/CONTAINERD.md, its own root, state and socket under a temporary directory), driven with
 * {@code ctr}. Runs as root. The containers it runs on FUSE mounts are stratad's
 * (ContainerdRuntimeIT in the server module); here the services run in-process, without mounts.
 */
class RealContainerdIT {
  @TempDir Path dir;
  private ContainerdFixture f;
  private Process containerd;
  private Path socket;

  @BeforeEach
  void start() throws Exception {
    f = new ContainerdFixture(dir, "btrfs");
    socket = dir.resolve("containerd.sock");
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
            "    address = \"" + f.server.socket() + "\"",
            "  [proxy_plugins.strata-content]",
            "    type = \"content\"",
            "    address = \"" + f.server.socket() + "\"",
            ""));
    containerd =
        new ProcessBuilder("containerd", "--config", config.toString())
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve("containerd.log").toFile())
            .start();
    // containerd serves once its socket answers `ctr version`.
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (true) {
      assertThat(containerd.isAlive()).as(log()).isTrue();
      if (Files.exists(socket) && ctr("version").exit() == 0) {
        break;
      }
      assertThat(System.nanoTime()).as("containerd up within 60 s: %s", log()).isLessThan(deadline);
      containerd.waitFor(100, TimeUnit.MILLISECONDS);
    }
  }

  @AfterEach
  void stop() throws Exception {
    if (containerd != null) {
      containerd.destroy();
      if (!containerd.waitFor(30, TimeUnit.SECONDS)) {
        containerd.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
      }
    }
    f.close();
  }

  private String log() throws IOException {
    Path l = dir.resolve("containerd.log");
    return Files.exists(l) ? Files.readString(l) : "";
  }

  private record Result(int exit, String output) {}

  private Result ctr(String... args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of("ctr", "-a", socket.toString(), "-n", "default"));
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    byte[] out = p.getInputStream().readAllBytes();
    assertThat(p.waitFor(120, TimeUnit.SECONDS)).as("ctr %s ends", List.of(args)).isTrue();
    return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8));
  }

  @Test
  void containerdStoresContentAndSnapshotsInStrata() throws Exception {
    byte[] layer = SnapshotsServiceTest.layerTar("etc/hello.txt", "hello from strata\n");
    String layerDigest = "sha256:" + SnapshotsServiceTest.sha256(layer);
    Path image = dir.resolve("image.tar");
    Files.write(image, SnapshotsServiceTest.dockerArchive(layer));

    Result imported = ctr("image", "import", "--no-unpack", image.toString());
    assertThat(imported.exit()).as(imported.output()).isZero();
    Result content = ctr("content", "ls");
    assertThat(content.output()).contains(layerDigest).contains("containerd.io/gc.ref.content.l.0");
    // containerd's calls carry no namespace header: the blobs are in the shared space. (Its
    // labels, gc.ref ones included, live in containerd's own metadata store, above the plugin.)
    var info =
        f.content(null).info(InfoRequest.newBuilder().setDigest(layerDigest).build()).getInfo();
    assertThat(info.getSize()).isEqualTo(layer.length);

    Result prepared = ctr("snapshots", "--snapshotter", "strata", "prepare", "s1");
    assertThat(prepared.exit()).as(prepared.output()).isZero();
    Result listed = ctr("snapshots", "--snapshotter", "strata", "ls");
    assertThat(listed.output()).contains("s1").contains("Active");
    // containerd hands stratad keys that carry its namespace.
    List<String> keys = new ArrayList<>();
    f.engine.storage().walk(s -> keys.add(s.key()));
    assertThat(keys).anyMatch(k -> k.startsWith("ctrd/_/default/") && k.endsWith("/s1"));
    String backendKey =
        SnapshotKeys.containerdKey(
            "_", keys.stream().filter(k -> k.endsWith("/s1")).findFirst().orElseThrow());
    assertThat(
            f.snapshots(null)
                .stat(StatSnapshotRequest.newBuilder().setKey(backendKey).build())
                .getInfo()
                .getName())
        .isEqualTo(backendKey);
    Result removed = ctr("snapshots", "--snapshotter", "strata", "rm", "s1");
    assertThat(removed.exit()).as(removed.output()).isZero();
    assertThat(ctr("snapshots", "--snapshotter", "strata", "ls").output()).doesNotContain("s1");
  }
}
