package io.strata.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.strata.client.StrataClient;
import io.strata.client.StrataClientException;
import io.strata.client.TransferListener;
import io.strata.protocol.HostPort;
import io.strata.protocol.message.CreateArgs;
import io.strata.protocol.message.ImportArgs;
import io.strata.protocol.message.ReadArgs;
import io.strata.protocol.message.WriteArgs;
import java.io.ByteArrayOutputStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A real stratad is killed with SIGKILL in the middle of a stream of container writes (4 KiB writes
 * into an image's file, and whole new files) while another client runs gc over and over; after a
 * restart every write that was acknowledged reads back as written, on each driver, and fsck finds
 * nothing damaged.
 */
class ContainerCrashIT {
  private static final int BLOCK = 4096;
  private static final int BIG = 2 << 20;

  @TempDir Path dir;

  @ParameterizedTest
  @ValueSource(strings = {"btrfs", "zfs"})
  void everyAcknowledgedContainerWriteSurvivesKill9(String driver) throws Exception {
    Path data = dir.resolve("data");
    Map<String, byte[]> acknowledged = new ConcurrentHashMap<>();
    byte[] original = TestData.random(21, BIG);
    try (StratadProcess s =
        StratadProcess.launch(dir.resolve("logs"), "--data", data.toString(), "--driver", driver)) {
      assertThat(s.awaitReady()).as(s.stderr()).isTrue();
      HostPort at = new HostPort("127.0.0.1", s.port());
      try (StrataClient c = StrataClient.connect(at, null)) {
        byte[] layer = Tars.of(Map.of("data/big.bin", original));
        c.importImage(
            new ImportArgs("base:1", null, "base.tar"),
            out -> out.write(layer),
            TransferListener.NONE);
        c.createContainer(new CreateArgs("base:1", "victim", List.of(), List.of()));
      }
      AtomicReference<Throwable> unexpected = new AtomicReference<>();
      Thread writer = new Thread(() -> writeUntilKilled(at, acknowledged, unexpected));
      writer.start();
      Thread collector = new Thread(() -> collectUntilKilled(at, unexpected));
      collector.start();
      while (acknowledged.size() < 40 && writer.isAlive()) {
        Thread.sleep(10);
      }
      s.process().destroyForcibly(); // kill -9 with writes in flight
      s.process().waitFor();
      writer.join(30_000);
      collector.join(30_000);
      assertThat(writer.isAlive() || collector.isAlive()).as("clients stopped").isFalse();
      assertThat(unexpected.get()).isNull();
    }
    assertThat(acknowledged).hasSizeGreaterThanOrEqualTo(40);
    try (StratadProcess s =
        StratadProcess.launch(dir.resolve("logs"), "--data", data.toString(), "--driver", driver)) {
      assertThat(s.awaitReady()).as(s.stderr()).isTrue();
      try (StrataClient c = StrataClient.connect(new HostPort("127.0.0.1", s.port()), null)) {
        for (Map.Entry<String, byte[]> e : acknowledged.entrySet()) {
          String[] at = e.getKey().split("@");
          long offset = at.length == 2 ? Long.parseLong(at[1]) : 0;
          ByteArrayOutputStream back = new ByteArrayOutputStream();
          c.readFile(
              new ReadArgs("victim", at[0], offset, (long) e.getValue().length),
              back,
              TransferListener.NONE);
          assertThat(back.toByteArray()).as("%s on %s", e.getKey(), driver).isEqualTo(e.getValue());
        }
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        c.readFile(new ReadArgs("victim", "/data/big.bin", 0L, 16L), head, TransferListener.NONE);
        assertThat(head.size()).isEqualTo(16);
        assertThat(c.fsck().damaged()).isEmpty();
      }
      s.process().destroy();
      assertThat(s.awaitExit()).isZero();
    }
  }

  /** Runs gc until the connection dies with the server. */
  private static void collectUntilKilled(HostPort at, AtomicReference<Throwable> unexpected) {
    try (StrataClient c = StrataClient.connect(at, null)) {
      while (true) {
        c.gc();
      }
    } catch (StrataClientException killed) {
      // the server died under the collections: expected
    } catch (Throwable t) {
      unexpected.set(t);
    }
  }

  /**
   * Alternates a 4 KiB write at a fresh offset of the image's file with a new 4 KiB file, recording
   * each once the server acknowledged it, until the connection dies with the server.
   */
  private static void writeUntilKilled(
      HostPort at, Map<String, byte[]> acknowledged, AtomicReference<Throwable> unexpected) {
    try (StrataClient c = StrataClient.connect(at, null)) {
      for (int i = 0; ; i++) {
        byte[] block = TestData.random(1000 + i, BLOCK);
        String key;
        WriteArgs args;
        if (i % 2 == 0) {
          long offset = (long) (i / 2) * BLOCK % (BIG - BLOCK);
          key = "/data/big.bin@" + offset;
          args = new WriteArgs("victim", "/data/big.bin", offset, (long) BLOCK);
        } else {
          key = "/data/new-" + i;
          args = new WriteArgs("victim", key, null, (long) BLOCK);
        }
        c.writeFile(args, out -> out.write(block), TransferListener.NONE);
        acknowledged.put(key, block);
      }
    } catch (StrataClientException killed) {
      // the server died under the stream of writes: expected
    } catch (Throwable t) {
      unexpected.set(t);
    }
  }
}
