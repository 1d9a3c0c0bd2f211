package io.strata.containerd;

import static org.assertj.core.api.Assertions.assertThat;

import io.strata.containerd.api.content.InfoRequest;
import io.strata.store.digest.Digest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
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
  private ContainerdProcess containerd;

  @BeforeEach
  void start() throws Exception {
    f = new ContainerdFixture(dir, "btrfs");
    containerd = ContainerdProcess.start(dir.resolve("ctrd"), f.server.sockets().get(0));
  }

  @AfterEach
  void stop() throws Exception {
    if (containerd != null) {
      containerd.close();
    }
    f.close();
  }

  private ContainerdProcess.Ctr ctr(String... args) throws Exception {
    return containerd.ctr(args);
  }

  @Test
  void containerdStoresContentAndSnapshotsInStrata() throws Exception {
    byte[] layer = SnapshotsServiceTest.layerTar("etc/hello.txt", "hello from strata\n");
    String layerDigest = "sha256:" + SnapshotsServiceTest.sha256(layer);
    Path image = dir.resolve("image.tar");
    Files.write(image, SnapshotsServiceTest.dockerArchive(layer));

    ContainerdProcess.Ctr imported = ctr("image", "import", "--no-unpack", image.toString());
    assertThat(imported.exit()).as(imported.output()).isZero();
    ContainerdProcess.Ctr content = ctr("content", "ls");
    assertThat(content.output()).contains(layerDigest).contains("containerd.io/gc.ref.content.l.0");
    // containerd's calls carry no namespace header: the blobs are in the shared space. (Its
    // labels, gc.ref ones included, live in containerd's own metadata store, above the plugin.)
    Digest d = Digest.parse(layerDigest);
    var root = f.engine.chunks().root(ContentRecord.rootName("_", d));
    assertThat(ContentRecord.decode(d, root.payload(), root.name()).recipe().size())
        .isEqualTo(layer.length);
    // containerd called first and owns the socket: this process may not call in its space.
    assertThat(
            ContainerdFixture.code(
                () ->
                    f.content(null).info(InfoRequest.newBuilder().setDigest(layerDigest).build())))
        .isEqualTo(io.grpc.Status.Code.FAILED_PRECONDITION);

    ContainerdProcess.Ctr prepared = ctr("snapshots", "--snapshotter", "strata", "prepare", "s1");
    assertThat(prepared.exit()).as(prepared.output()).isZero();
    ContainerdProcess.Ctr listed = ctr("snapshots", "--snapshotter", "strata", "ls");
    assertThat(listed.output()).contains("s1").contains("Active");
    // containerd hands stratad keys that carry its namespace.
    List<String> keys = new ArrayList<>();
    f.engine.storage().walk(s -> keys.add(s.key()));
    assertThat(keys).anyMatch(k -> k.startsWith("ctrd/_/default/") && k.endsWith("/s1"));
    String backendKey =
        SnapshotKeys.containerdKey(
            "_", keys.stream().filter(k -> k.endsWith("/s1")).findFirst().orElseThrow());
    assertThat(backendKey).startsWith("default/").endsWith("/s1");
    ContainerdProcess.Ctr removed = ctr("snapshots", "--snapshotter", "strata", "rm", "s1");
    assertThat(removed.exit()).as(removed.output()).isZero();
    assertThat(ctr("snapshots", "--snapshotter", "strata", "ls").output()).doesNotContain("s1");
  }
}
