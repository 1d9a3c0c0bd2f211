package io.strata.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.strata.store.testing.DebianRootfs;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The remote-snapshot handshake with the real containerd: containerd pulls, as its CRI plugin does
 * (its client's Pull with the unpacker, through {@code pullunpack}), a Debian image from {@code
 * stratad --registry} into the same stratad's snapshotter. Strata holds the image's layer, so the
 * layer snapshot is committed at once: containerd fetches no layer blob and writes no file, and a
 * container runs on the result. Runs as root.
 */
@Timeout(value = 15, unit = TimeUnit.MINUTES)
class ContainerdRemoteSnapshotIT {
  @TempDir Path dir;

  @BeforeAll
  static void fuse() {
    assertThat(Path.of("/dev/fuse")).as("/dev/fuse: the containers run on FUSE mounts").exists();
  }

  @Test
  void pullingAnImageStrataHoldsUnpacksNothing() throws Exception {
    Path rootfs = DebianRootfs.tar();
    Path pullUnpack = GoPrograms.pullUnpack();
    Path socket = dir.resolve("strata.sock");
    String registry = "127.0.0.1:" + TestData.freePort();
    try (StratadProcess s =
        StratadProcess.launch(
            dir.resolve("logs"),
            "--data",
            dir.resolve("data").toString(),
            "--containerd-socket",
            socket.toString(),
            "--registry",
            registry)) {
      assertThat(s.awaitReady()).as(s.stderr()).isTrue();
      Cli cli = new Cli(s.port());
      ContainerdRuntimeIT.ok(cli.strata("image", "import", rootfs.toString(), "-t", "deb:1"));
      // The registry writes a Strata image's registry blobs when it is first asked for it: ask
      // before counting, so that the count below is what containerd's pull adds.
      HttpResponse<String> manifest =
          HttpClient.newHttpClient()
              .send(
                  HttpRequest.newBuilder(URI.create("http://" + registry + "/v2/deb/manifests/1"))
                      .timeout(Duration.ofMinutes(2))
                      .build(),
                  HttpResponse.BodyHandlers.ofString());
      assertThat(manifest.statusCode()).as(manifest.body()).isEqualTo(200);
      long before = ContainerdRuntimeIT.stored(cli);

      try (RealContainerd c = RealContainerd.start(dir.resolve("ctrd"), socket)) {
        Cli.Result pulled =
            Cli.sh(
                String.join(
                    " ",
                    pullUnpack.toString(),
                    dir.resolve("ctrd/containerd.sock").toString(),
                    "default",
                    "strata",
                    registry + "/deb:1"),
                300);
        assertThat(pulled.exit()).as(pulled.out()).isZero();
        // The layer's snapshot is the one Strata committed from the layer it holds; containerd
        // never prepared an extraction snapshot it had to write, nor fetched the layer's blob.
        // The image has one layer: one committed snapshot, named by its chain id.
        String snapshots = c.ok("snapshots", "--snapshotter", "strata", "ls");
        assertThat(snapshots.lines().skip(1))
            .singleElement()
            .asString()
            .matches("sha256:[0-9a-f]{64}\\s+Committed\\s*");
        // containerd fetched the manifest and the config, not the 200 MB layer.
        assertThat(c.ok("content", "ls").lines().skip(1)).hasSize(2);
        assertThat(ContainerdRuntimeIT.stored(cli) - before)
            .as("bytes the pull added to the store")
            .isLessThan(1_000_000L);

        String ref = registry + "/deb:1";
        assertThat(
                c.ok(
                    "run",
                    "--rm",
                    "--snapshotter",
                    "strata",
                    ref,
                    "c1",
                    "sh",
                    "-c",
                    ". /etc/os-release; echo $VERSION_CODENAME"))
            .isEqualTo("bookworm\n");
      }
      // containerd removes a --rm container's snapshot in the background: a stop of stratad
      // detaches whatever is still served.
      s.process().destroy();
      assertThat(s.awaitExit()).as(s.stderr()).isZero();
    }
  }
}
