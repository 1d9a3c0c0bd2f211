package io.strata.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.strata.client.StrataClient;
import io.strata.client.TransferListener;
import io.strata.protocol.HostPort;
import io.strata.protocol.message.ExportArgs;
import io.strata.protocol.message.ImportArgs;
import io.strata.protocol.message.TransferArgs;
import io.strata.protocol.message.TransferReply;
import java.io.ByteArrayOutputStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real stratad pulling an image is killed with SIGKILL once the first batch of chunks has landed;
 * restarted, it shows no half image, fsck finds nothing damaged, and pulling again fetches only
 * what had not arrived and ends with the image byte for byte.
 */
class HostTransferCrashIT {
  private static final int BIG = 72 << 20; // three batches of at most 32 MiB

  @TempDir Path dir;

  @Test
  void aPullKilledMidwayResumesAfterARestart() throws Exception {
    try (TestServer sender = TestServer.start(dir.resolve("a"), "btrfs", List.of())) {
      byte[] layer = Tars.of(Map.of("data/big.bin", TestData.random(5, BIG)));
      try (StrataClient a = sender.client()) {
        a.importImage(
            new ImportArgs("big:1", null, "big.tar"),
            out -> out.write(layer),
            TransferListener.NONE);
      }
      Path data = dir.resolve("r");
      TransferArgs pull = new TransferArgs("big:1", sender.address().toString(), null);
      try (StratadProcess r =
          StratadProcess.launch(dir.resolve("logs"), "--data", data.toString())) {
        assertThat(r.awaitReady()).as(r.stderr()).isTrue();
        CountDownLatch firstBatch = new CountDownLatch(1);
        Thread puller =
            new Thread(
                () -> {
                  try (StrataClient c =
                      StrataClient.connect(new HostPort("127.0.0.1", r.port()), null)) {
                    c.pull(
                        pull,
                        p -> {
                          if (p.bytesSent() > 0) {
                            firstBatch.countDown();
                          }
                        });
                  } catch (Exception expected) {
                    // the server is killed under it
                  }
                });
        puller.start();
        assertThat(firstBatch.await(60, TimeUnit.SECONDS)).isTrue();
        r.process().destroyForcibly(); // kill -9 with the pull in flight
        r.process().waitFor();
        puller.join(30_000);
      }
      try (StratadProcess r =
          StratadProcess.launch(dir.resolve("logs"), "--data", data.toString())) {
        assertThat(r.awaitReady()).as(r.stderr()).isTrue();
        try (StrataClient c = StrataClient.connect(new HostPort("127.0.0.1", r.port()), null)) {
          assertThat(c.images()).isEmpty();
          assertThat(c.fsck().damaged()).isEmpty();
          TransferReply again = c.pull(pull, p -> {});
          assertThat(again.chunksSent()).isPositive().isLessThan(again.chunksTotal());
          assertThat(export(c)).isEqualTo(exportFrom(sender));
          assertThat(c.fsck().damaged()).isEmpty();
        }
      }
    }
  }

  private static byte[] export(StrataClient c) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    c.exportImage(new ExportArgs("big:1", "docker-archive"), out, TransferListener.NONE);
    return out.toByteArray();
  }

  private static byte[] exportFrom(TestServer s) throws Exception {
    try (StrataClient c = s.client()) {
      return export(c);
    }
  }
}
