package io.strata.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.strata.client.StrataClient;
import io.strata.client.TransferListener;
import io.strata.protocol.message.ImportArgs;
import io.strata.server.handler.Limits;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Many plain-tar imports at once, more than the server has engine threads: each import's work holds
 * the image store's lock while it reads its upload as it arrives, and the others wait for that
 * lock; the bytes the holder waits for must still be delivered. With the uploads fed from the
 * bounded engine pool, every engine thread ended up waiting on a full ring or an outcome, none was
 * left to feed the holder, and the server hung for good (adversarial finding D7).
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class ConcurrentImportsIT {
  @TempDir Path dir;

  @Test
  void moreImportsThanEngineThreadsAllFinish() throws Exception {
    ServerConfig config =
        ServerConfig.loopback(dir.resolve("data"))
            .withLimits(Limits.defaults().withEngineThreads(2));
    int imports = 8;
    List<byte[]> tars = new ArrayList<>();
    for (int i = 0; i < imports; i++) {
      Random r = new Random(i);
      Map<String, byte[]> files = new LinkedHashMap<>();
      for (int f = 0; f < 6; f++) {
        byte[] b = new byte[500_000];
        r.nextBytes(b);
        files.put("srv/f" + f, b);
      }
      tars.add(Tars.of(files));
    }
    try (TestServer server = TestServer.start(config)) {
      ExecutorService clients = Executors.newFixedThreadPool(imports);
      try {
        List<Future<String>> done = new ArrayList<>();
        for (int i = 0; i < imports; i++) {
          byte[] tar = tars.get(i);
          String tag = "many:" + i;
          done.add(
              clients.submit(
                  () -> {
                    try (StrataClient cl = StrataClient.connect(server.address(), null)) {
                      cl.importImage(
                          new ImportArgs(tag, null, tag + ".tar", true),
                          o -> {
                            // in pieces, as a client reading its disk sends them
                            for (int at = 0; at < tar.length; at += 64 << 10) {
                              o.write(tar, at, Math.min(64 << 10, tar.length - at));
                            }
                          },
                          TransferListener.NONE);
                    }
                    return tag;
                  }));
        }
        for (Future<String> f : done) {
          assertThat(f.get(120, TimeUnit.SECONDS)).startsWith("many:");
        }
      } finally {
        clients.shutdownNow();
      }
      List<String> images =
          server.cli("images", "--format", "{{.Repository}}:{{.Tag}}").out().lines().toList();
      for (int i = 0; i < imports; i++) {
        assertThat(images).contains("many:" + i);
      }
      assertThat(server.cli("fsck").code()).isZero();
    }
  }
}
