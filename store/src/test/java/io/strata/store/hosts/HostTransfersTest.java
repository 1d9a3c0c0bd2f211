package io.strata.store.hosts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.strata.store.driver.BlockTestDriver;
import io.strata.store.driver.DriverFixture;
import io.strata.store.error.RejectedException;
import io.strata.store.image.ImageStore;
import io.strata.store.image.archive.ExportFormat;
import io.strata.store.ref.Root;
import io.strata.store.transfer.ChunkIntake;
import io.strata.store.transfer.ContentCut;
import io.strata.store.transfer.TransferPlan;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Push and pull between two real stores in one process, the second one answering through its {@link
 * TransferEndpoint} ({@link StorePeer}): what crosses is only what the receiver lacks, the image
 * arrives byte for byte, a broken batch resumes, pins are released, and what the peer sends wrong
 * is refused leaving the receiver as it was.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class HostTransfersTest {
  @TempDir Path dir;
  private DriverFixture a;
  private DriverFixture b;
  private ImageStore imagesA;
  private ImageStore imagesB;
  private TransferHost hostA;
  private TransferHost hostB;

  @BeforeEach
  void open() throws IOException {
    a = new DriverFixture(dir.resolve("a"), BlockTestDriver.PROVIDER);
    b = new DriverFixture(dir.resolve("b"), BlockTestDriver.PROVIDER);
    imagesA = new ImageStore(a.chunks(), a.driver(), dir.resolve("a/tmp"));
    imagesB = new ImageStore(b.chunks(), b.driver(), dir.resolve("b/tmp"));
    hostA = new TransferHost(imagesA, a.chunks(), dir.resolve("a/tmp"));
    hostB = new TransferHost(imagesB, b.chunks(), dir.resolve("b/tmp"));
  }

  @AfterEach
  void close() throws IOException {
    a.close();
    b.close();
  }

  /** A one-layer image of 30 files of random bytes (seeded), {@code edit} in one more. */
  private static byte[] layer(String edit) throws IOException {
    ByteArrayOutputStream tar = new ByteArrayOutputStream();
    Random r = new Random(5);
    try (TarArchiveOutputStream t = new TarArchiveOutputStream(tar)) {
      for (int i = 0; i < 30; i++) {
        byte[] f = new byte[20_000 + r.nextInt(150_000)];
        r.nextBytes(f);
        Arrays.fill(f, f.length / 2, f.length, (byte) i); // half compressible
        entry(t, "usr/f" + i, f);
      }
      entry(t, "etc/conf", edit.getBytes(StandardCharsets.UTF_8));
    }
    return tar.toByteArray();
  }

  private static void entry(TarArchiveOutputStream t, String name, byte[] content)
      throws IOException {
    TarArchiveEntry e = new TarArchiveEntry(name);
    e.setSize(content.length);
    e.setMode(0644);
    e.setModTime(1_700_000_000_000L);
    t.putArchiveEntry(e);
    t.write(content);
    t.closeArchiveEntry();
  }

  private static String make(ImageStore into, String tag, String edit) throws IOException {
    return into.importLayerTar(new ByteArrayInputStream(layer(edit)), tag, tag)
        .images()
        .get(0)
        .id();
  }

  private static byte[] export(ImageStore images, String ref) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    images.export(ref, ExportFormat.DOCKER_ARCHIVE, out);
    return out.toByteArray();
  }

  private static List<String> transferRoots(DriverFixture f) {
    return f.chunks().roots(ChunkIntake.PREFIX).stream().map(Root::name).toList();
  }

  /** Records what a transfer says of its progress. */
  private static final class Recorded implements ProgressListener {
    final List<Long> toSend = new ArrayList<>();
    long sent;

    @Override
    public void start(long bytesToSend) {
      toSend.add(bytesToSend);
    }

    @Override
    public void sent(long bytes) {
      sent += bytes;
    }
  }

  @Test
  void aPullFetchesTheImageWholeAndThenNothing() throws IOException {
    String id = make(imagesB, "app:1", "v1");
    Recorded progress = new Recorded();

    TransferSummary s = new ImagePull(hostA).run("app:1", new StorePeer(hostB), progress);

    assertThat(s.id()).isEqualTo(id);
    assertThat(s.tag()).isEqualTo("app:1");
    assertThat(s.chunksSent()).isEqualTo(s.chunksTotal()).isPositive();
    assertThat(s.bytesSent()).isEqualTo(s.bytesTotal());
    assertThat(s.wireBytes()).isPositive().isLessThan(s.bytesTotal()); // compressed
    assertThat(progress.toSend).containsExactly(s.bytesTotal());
    assertThat(progress.sent).isEqualTo(s.bytesTotal());
    assertThat(imagesA.resolve("app:1")).isEqualTo(id);
    assertThat(export(imagesA, "app:1")).isEqualTo(export(imagesB, "app:1"));
    assertThat(transferRoots(a)).isEmpty();
    assertThat(a.chunks().fsck().damaged()).isEmpty();

    TransferSummary again = new ImagePull(hostA).run(id, new StorePeer(hostB), progress);
    assertThat(again.chunksSent()).isZero();
    assertThat(again.bytesSent()).isZero();
  }

  @Test
  void aPushSendsOnlyWhatTheOtherHostLacks() throws IOException {
    make(imagesB, "app:1", "v1");
    make(imagesA, "app:1", "v1");
    String v2 = make(imagesA, "app:2", "v2 differs");
    Recorded progress = new Recorded();

    TransferSummary s = new ImagePush(hostA).run("app:2", new StorePeer(hostB), progress);

    assertThat(s.id()).isEqualTo(v2);
    assertThat(s.chunksSent()).isPositive().isLessThan(s.chunksTotal());
    assertThat(s.bytesSent()).isLessThan(s.bytesTotal() / 10);
    assertThat(progress.sent).isEqualTo(s.bytesSent());
    assertThat(imagesB.resolve("app:2")).isEqualTo(v2);
    assertThat(export(imagesB, "app:2")).isEqualTo(export(imagesA, "app:2"));
    assertThat(transferRoots(b)).as("apply releases the plan's pins").isEmpty();
  }

  @Test
  void aPullThatBreaksOffKeepsTheWholeChunksAndResumes() throws IOException {
    make(imagesB, "app:1", "v1");
    StorePeer peer = new StorePeer(hostB);
    peer.breakNextBatchAfter(1_000_000);

    assertThatThrownBy(() -> new ImagePull(hostA).run("app:1", peer, ProgressListener.NONE))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("host b");
    assertThat(imagesA.list()).isEmpty();
    assertThat(transferRoots(a)).as("what arrived stays pinned").hasSize(1);

    TransferSummary s = new ImagePull(hostA).run("app:1", peer, ProgressListener.NONE);
    assertThat(s.chunksSent()).isPositive().isLessThan(s.chunksTotal());
    assertThat(s.bytesSent()).isLessThan(s.bytesTotal() - 500_000);
    assertThat(export(imagesA, "app:1")).isEqualTo(export(imagesB, "app:1"));
    assertThat(transferRoots(a)).isEmpty();
  }

  @Test
  void aPushWhosePlanWasReleasedOffersItAgain() throws IOException {
    String id = make(imagesA, "app:1", "v1");
    StorePeer peer = new StorePeer(hostB);
    peer.forgetPlanBeforeNextPut();

    TransferSummary s = new ImagePush(hostA).run("app:1", peer, ProgressListener.NONE);

    assertThat(peer.offers).isEqualTo(2);
    assertThat(s.chunksSent()).isEqualTo(s.chunksTotal());
    assertThat(imagesB.resolve("app:1")).isEqualTo(id);
  }

  @Test
  void aPlanForAnotherImageIsRejectedAndNothingIsKept() throws IOException {
    make(imagesB, "app:1", "v1");
    TransferPeer liar =
        new StorePeer(hostB) {
          @Override
          public long plan(String image, ContentCut cut, OutputStream out) throws IOException {
            return super.plan("app:1", cut, out); // whatever was asked for
          }
        };

    assertThatThrownBy(() -> new ImagePull(hostA).run("db:5", liar, ProgressListener.NONE))
        .isInstanceOf(RejectedException.class)
        .hasMessageContaining("host b answered for db:5 with image sha256:")
        .hasMessageContaining("named 'app:1'");
    assertThat(imagesA.list()).isEmpty();
    assertThat(transferRoots(a)).isEmpty();
  }

  @Test
  void damagedRecordsAreRefusedAndTheImageIsNotMade() throws IOException {
    make(imagesB, "app:1", "v1");
    TransferPeer damaging =
        new StorePeer(hostB) {
          @Override
          public long chunks(String id, ContentCut cut, byte[] list, OutputStream records)
              throws IOException {
            ByteArrayOutputStream good = new ByteArrayOutputStream();
            long n = super.chunks(id, cut, list, good);
            byte[] bad = good.toByteArray();
            bad[bad.length - 10] ^= 0x40; // inside the last record's bytes
            records.write(bad);
            return n;
          }
        };

    assertThatThrownBy(() -> new ImagePull(hostA).run("app:1", damaging, ProgressListener.NONE))
        .hasMessageContaining("host b");
    assertThat(imagesA.list()).isEmpty();
    assertThat(a.chunks().fsck().damaged()).isEmpty();
  }

  @Test
  void anEndpointUnpinsTransfersIdleForADayAndKeepsTheRest() throws IOException {
    make(imagesA, "app:1", "v1");
    make(imagesA, "app:2", "v2");
    TransferPlan old = imagesA.transferPlan("app:1", imagesB.contentCut());
    TransferPlan recent = imagesA.transferPlan("app:2", imagesB.contentCut());
    pin(old, Clock.fixed(Instant.now().minus(Duration.ofHours(25)), ZoneOffset.UTC));
    pin(recent, Clock.systemUTC());
    assertThat(transferRoots(b)).hasSize(2);

    new TransferEndpoint(hostB);

    assertThat(transferRoots(b)).containsExactly(ChunkIntake.rootName(recent.id()));
  }

  private void pin(TransferPlan plan, Clock clock) throws IOException {
    try (ChunkIntake intake = new ChunkIntake(b.chunks(), plan, clock)) {
      intake.pinPresent(List.of());
    }
  }
}
