package io.strata.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.strata.protocol.HostPort;
import io.strata.server.registry.RegistryConfig;
import io.strata.store.deflate.GoGzipOutputStream;
import io.strata.store.digest.Digest;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A registry over a damaged data root never answers a blob with bytes that are not the blob's: a
 * damaged blob cache copy is found, dropped and made again from the store; a blob whose first chunk
 * is damaged is refused with the spec's error JSON, not a 200 cut at 0 bytes.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class RegistryDamageIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  @TempDir Path dir;
  TestServer server;

  @BeforeEach
  void start() throws Exception {
    server =
        TestServer.start(
            ServerConfig.loopback(dir.resolve("data"))
                .withRegistry(RegistryConfig.plain(new HostPort("127.0.0.1", 0))));
  }

  @AfterEach
  void stop() {
    server.close();
  }

  private RawHttp connect() throws IOException {
    return new RawHttp(server.server().registryAddress());
  }

  private void push(String repo, byte[] b) throws IOException {
    String d = Digest.sha256(b, 0, b.length).toString();
    try (RawHttp h = connect()) {
      RawHttp.Response r =
          h.send(
                  "POST /v2/"
                      + repo
                      + "/blobs/uploads/?digest="
                      + d
                      + " HTTP/1.1\nHost: r\nContent-Length: "
                      + b.length,
                  b)
              .read();
      assertThat(r.status()).as(r.text()).isEqualTo(201);
    }
  }

  /** A GET of the blob, with {@code range} ({@code bytes=A-B}) unless null, on a new connection. */
  private RawHttp.Response get(String repo, Digest d, String range) throws IOException {
    try (RawHttp h = connect()) {
      return h.send(
              "GET /v2/"
                  + repo
                  + "/blobs/"
                  + d
                  + " HTTP/1.1\nHost: r"
                  + (range == null ? "" : "\nRange: " + range),
              null)
          .read();
    }
  }

  private Path copyOf(Digest d) {
    return dir.resolve("data/tmp/registry-blob-cache").resolve(d.hex());
  }

  private static void flip(Path file, long at) throws IOException {
    try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
      f.seek(at);
      int b = f.read();
      f.seek(at);
      f.write(b ^ 0x01);
    }
  }

  /**
   * Pulls the blob whole until the cache holds a copy again (made as a pull regenerates it, once
   * its recipe job ran); each pull must give the blob's bytes.
   */
  private void pullUntilCached(String repo, Digest d, byte[] blob) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
    while (true) {
      RawHttp.Response r = get(repo, d, null);
      assertThat(r.status()).isEqualTo(200);
      assertThat(r.body()).isEqualTo(blob);
      if (Files.exists(copyOf(d))) {
        return;
      }
      assertThat(System.nanoTime()).as("the copy of %s made again", d).isLessThan(deadline);
      Thread.sleep(100);
    }
  }

  /** Waits until the recipe jobs stored every staged gzip layer (the staged files are gone). */
  private void awaitNothingStaged() throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
    while (true) {
      try (Stream<Path> s = Files.list(dir.resolve("data/registry-staged"))) {
        if (s.noneMatch(Files::isRegularFile)) {
          return;
        }
      }
      assertThat(System.nanoTime()).as("the recipe job ran").isLessThan(deadline);
      Thread.sleep(100);
    }
  }

  @Test
  void aDamagedCachedCopyIsNeverSentAsTheBlobAndIsMadeAgainFromTheStore() throws Exception {
    byte[] tar = Tars.of(Tars.textAndRandomFiles(21, 0));
    ByteArrayOutputStream gz = new ByteArrayOutputStream();
    try (GoGzipOutputStream out = new GoGzipOutputStream(gz, 6, GoGzipOutputStream.goHeader(6))) {
      out.write(tar);
    }
    byte[] blob = gz.toByteArray();
    Digest d = Digest.sha256(blob, 0, blob.length);
    push("it/cache", blob);
    // the push's spool is the copy, a hard link of the staged file until the recipe job stored the
    // blob: damage to the copy alone is what this is about
    awaitNothingStaged();
    assertThat(copyOf(d)).exists();
    flip(copyOf(d), blob.length / 2);
    RawHttp.Response cut = get("it/cache", d, null);
    assertThat(cut.status()).isEqualTo(200);
    assertThat(cut.header("Content-Length")).isEqualTo(String.valueOf(blob.length));
    assertThat(cut.body().length).as("the transfer is cut short").isLessThan(blob.length);
    assertThat(copyOf(d)).as("the damaged copy is dropped").doesNotExist();
    pullUntilCached("it/cache", d, blob);

    // a copy made by a pull, not yet read whole: a range from it checks all of it first
    flip(copyOf(d), 1_000_000);
    RawHttp.Response first = get("it/cache", d, "bytes=999990-1000009");
    assertThat(first.status()).isEqualTo(206);
    assertThat(first.body()).isEqualTo(Arrays.copyOfRange(blob, 999_990, 1_000_010));
    assertThat(copyOf(d)).doesNotExist();
    pullUntilCached("it/cache", d, blob);

    // read whole once, so its blocks' sums are known: a range starting in a damaged block is
    // served from the store, and one that reaches such a block later is cut there
    assertThat(get("it/cache", d, null).body()).isEqualTo(blob);
    flip(copyOf(d), 3_000_000);
    RawHttp.Response damagedStart = get("it/cache", d, "bytes=3000000-3000099");
    assertThat(damagedStart.status()).isEqualTo(206);
    assertThat(damagedStart.body()).isEqualTo(Arrays.copyOfRange(blob, 3_000_000, 3_000_100));
    assertThat(copyOf(d)).doesNotExist();
    pullUntilCached("it/cache", d, blob);
    assertThat(get("it/cache", d, null).body()).isEqualTo(blob);
    flip(copyOf(d), 3_000_000);
    RawHttp.Response reaching = get("it/cache", d, "bytes=1000000-3999999");
    assertThat(reaching.status()).isEqualTo(206);
    assertThat(reaching.body().length).isLessThan(3_000_000);
    assertThat(reaching.body())
        .isEqualTo(Arrays.copyOfRange(blob, 1_000_000, 1_000_000 + reaching.body().length));
    assertThat(get("it/cache", d, "bytes=2999990-3000009").body())
        .isEqualTo(Arrays.copyOfRange(blob, 2_999_990, 3_000_010));
  }

  @Test
  void aBlobWhoseFirstChunkIsDamagedIsRefusedWithTheSpecErrorNamingIt() throws Exception {
    // under the chunker's minimum: one chunk, whose record carries the blob's own digest
    byte[] blob = new byte[10_000];
    new Random(5).nextBytes(blob);
    Digest d = Digest.sha256(blob, 0, blob.length);
    push("it/damaged", blob);
    server.close();
    flipPayloadOfChunk(d);
    server.restart();
    for (String range : Arrays.asList(null, "bytes=100-199")) {
      try (RawHttp h = connect()) {
        RawHttp.Response r =
            h.send(
                    "GET /v2/it/damaged/blobs/"
                        + d
                        + " HTTP/1.1\nHost: r"
                        + (range == null ? "" : "\nRange: " + range),
                    null)
                .read();
        assertThat(r.status()).as(r.text()).isEqualTo(500);
        JsonNode error = JSON.readTree(r.body()).path("errors").path(0);
        assertThat(error.path("code").asText()).isEqualTo("UNKNOWN");
        assertThat(error.path("message").asText()).contains("blob " + d);
        // answered whole: the connection serves the next request
        assertThat(h.send("GET /v2/ HTTP/1.1\nHost: r", null).read().status()).isEqualTo(200);
      }
    }
    // known damaged now: a HEAD answers as for a missing blob, so that a pusher uploads it (it
    // answered 200 and the push skipped it, finding S3), and the upload mends it
    try (RawHttp h = connect()) {
      RawHttp.Response r =
          h.send("HEAD /v2/it/damaged/blobs/" + d + " HTTP/1.1\nHost: r", null).read(true);
      assertThat(r.status()).isEqualTo(404);
    }
    push("it/damaged", blob);
    RawHttp.Response mended = get("it/damaged", d, null);
    assertThat(mended.status()).as(mended.text()).isEqualTo(200);
    assertThat(mended.body()).isEqualTo(blob);
  }

  /** Flips a byte of the payload of the pack record that holds the chunk of digest {@code d}. */
  private void flipPayloadOfChunk(Digest d) throws IOException {
    byte[] sha = HexFormat.of().parseHex(d.hex());
    List<Path> packs;
    try (Stream<Path> s = Files.list(dir.resolve("data/chunks/packs"))) {
      packs = s.filter(p -> p.toString().endsWith(".pack")).toList();
    }
    for (Path p : packs) {
      byte[] b = Files.readAllBytes(p);
      for (int i = 0; i + sha.length <= b.length; i++) {
        if (Arrays.equals(b, i, i + sha.length, sha, 0, sha.length)) {
          // the record's header ends with sha256(raw); its payload follows
          flip(p, i + sha.length + 100);
          return;
        }
      }
    }
    throw new AssertionError("no pack record holds chunk " + d);
  }
}
