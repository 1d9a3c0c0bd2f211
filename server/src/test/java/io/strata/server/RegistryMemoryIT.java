package io.strata.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.strata.store.digest.Digest;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A blob three times the size of stratad's heap is pushed to the registry in one request and pulled
 * back whole: uploads stream to their spool and downloads stream from the chunk store, so neither
 * holds a blob in memory.
 */
class RegistryMemoryIT {
  private static final List<String> SMALL_HEAP = List.of("-Xmx64m", "-XX:+UseSerialGC");
  private static final long SIZE = 200L << 20;
  private static final int BLOCK = 64 << 10;

  @TempDir Path dir;

  /** Block {@code i} of the blob: pseudo-random, so it neither compresses nor deduplicates. */
  private static byte[] block(int i) {
    byte[] b = new byte[BLOCK];
    SplittableRandom r = new SplittableRandom(i);
    for (int k = 0; k < BLOCK; k += 8) {
      long v = r.nextLong();
      for (int j = 0; j < 8; j++) {
        b[k + j] = (byte) (v >>> (8 * j));
      }
    }
    return b;
  }

  @Test
  @Timeout(value = 240, unit = TimeUnit.SECONDS)
  void aBlobThreeTimesTheHeapGoesInAndComesBackWhole() throws Exception {
    int blocks = (int) (SIZE / BLOCK);
    MessageDigest sha = Digest.newSha256();
    for (int i = 0; i < blocks; i++) {
      sha.update(block(i));
    }
    String digest = Digest.of(sha.digest()).toString();
    int port = TestData.freePort();
    try (StratadProcess server =
        StratadProcess.launch(
            SMALL_HEAP,
            dir.resolve("logs"),
            "--data",
            dir.resolve("data").toString(),
            "--registry",
            "127.0.0.1:" + port)) {
      assertThat(server.awaitReady()).as(server.stderr()).isTrue();
      InetSocketAddress at = new InetSocketAddress("127.0.0.1", port);
      try (Socket s = new Socket()) {
        s.connect(at, 5000);
        s.setSoTimeout(120_000);
        OutputStream out = s.getOutputStream();
        out.write(
            ("POST /v2/big/blob/blobs/uploads/?digest="
                    + digest
                    + " HTTP/1.1\r\nHost: r\r\n"
                    + "Content-Length: "
                    + SIZE
                    + "\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII));
        for (int i = 0; i < blocks; i++) {
          out.write(block(i));
        }
        out.flush();
        String status = statusLine(s.getInputStream());
        assertThat(status).as(server.stderr()).startsWith("HTTP/1.1 201");
      }
      try (RawHttp h = new RawHttp(at)) {
        h.send("GET /v2/big/blob/blobs/" + digest + " HTTP/1.1\nHost: r", null);
        // read the headers, then hash the body as it streams
        InputStream in = rawBody(h);
        MessageDigest back = Digest.newSha256();
        byte[] buf = new byte[BLOCK];
        long total = 0;
        int n;
        while (total < SIZE
            && (n = in.read(buf, 0, (int) Math.min(buf.length, SIZE - total))) > 0) {
          back.update(buf, 0, n);
          total += n;
        }
        assertThat(total).isEqualTo(SIZE);
        assertThat(Digest.of(back.digest()).toString()).isEqualTo(digest);
      }
      assertThat(server.process().isAlive()).as(server.stderr()).isTrue();
      assertThat(server.stderr()).doesNotContain("OutOfMemoryError");
    }
  }

  private static String statusLine(InputStream in) throws Exception {
    StringBuilder b = new StringBuilder();
    int c;
    while ((c = in.read()) >= 0 && c != '\n') {
      b.append((char) c);
    }
    return b.toString().trim();
  }

  /** The body stream of the response {@code h} is reading, after its headers. */
  private static InputStream rawBody(RawHttp h) throws Exception {
    return h.afterHeaders();
  }
}
