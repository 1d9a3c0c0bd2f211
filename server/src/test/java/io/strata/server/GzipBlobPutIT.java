package io.strata.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.strata.protocol.HostPort;
import io.strata.protocol.message.Json;
import io.strata.server.registry.RegistryConfig;
import io.strata.store.testing.GoGzip;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code strata blob put} of a gzip blob stores it as a registry push does (adversarial findings
 * AO2, AO3): as its uncompressed contents and a recipe when a known compressor replays it, else
 * whole; a put of a blob already held, in either form, writes nothing.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class GzipBlobPutIT {
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  @TempDir Path dir;

  /** Compressible and not: 3 MiB of text, then 1 MiB of random bytes. */
  private Path contents() throws IOException {
    byte[] text = TestData.text(1, 3 << 20);
    byte[] random = TestData.random(2, 1 << 20);
    byte[] all = java.util.Arrays.copyOf(text, text.length + random.length);
    System.arraycopy(random, 0, all, text.length, random.length);
    return TestData.write(dir, "contents.tar", all);
  }

  private static JsonNode json(TestServer.CliRun r) throws Exception {
    assertThat(r.code()).as(r.stderr()).isZero();
    return Json.tree(r.stdout(), "cli output");
  }

  private static long stored(TestServer s) throws Exception {
    return json(s.cli("--json", "info")).get("storedBytes").asLong();
  }

  private static JsonNode put(TestServer s, Path file) throws Exception {
    return json(s.cli("--json", "blob", "put", file.toString()));
  }

  /** The bytes of the data root's packs, where every chunk goes. */
  private static long packBytes(Path data) throws IOException {
    try (Stream<Path> files = Files.walk(data.resolve("chunks"))) {
      return files
          .filter(p -> p.getFileName().toString().endsWith(".pack"))
          .mapToLong(p -> p.toFile().length())
          .sum();
    }
  }

  private static void readsBack(TestServer s, String digest, Path original) throws Exception {
    Path back = original.resolveSibling(original.getFileName() + ".back");
    TestServer.CliRun get = s.cli("blob", "get", digest, "-o", back.toString());
    assertThat(get.code()).as(get.stderr()).isZero();
    assertThat(Files.mismatch(back, original)).as("%s read back", digest).isEqualTo(-1);
  }

  /** What {@code info}'s gzip counts say of the blobs reproduced by a recipe. */
  private static long reproduced(TestServer s) throws Exception {
    long n = 0;
    for (JsonNode f : json(s.cli("--json", "info")).path("gzipRecipes")) {
      n += f.path("reproduced").asLong();
    }
    return n;
  }

  /** No blob put left its spool (the registry keeps its blob cache in tmp too). */
  private static void noSpoolLeft(Path data) throws IOException {
    try (Stream<Path> left = Files.list(data.resolve("tmp"))) {
      assertThat(left.map(p -> p.getFileName().toString()))
          .as("spools left in tmp")
          .noneMatch(n -> n.startsWith("blob-put-"));
    }
  }

  @Test
  void aGoGzipBlobIsKeptAsItsContentsAndARecipeAndASecondPutWritesNothing() throws Exception {
    Path raw = contents();
    Path gz = GoGzip.gzip(raw, 6);
    Path data = dir.resolve("data");
    try (TestServer s = TestServer.start(data)) {
      long empty = stored(s);
      JsonNode first = put(s, gz);
      String digest = first.get("digest").asText();
      assertThat(digest).isEqualTo(TestData.sha256(Files.readAllBytes(gz)));
      assertThat(first.get("size").asLong()).isEqualTo(Files.size(gz));
      assertThat(reproduced(s)).isEqualTo(1);
      readsBack(s, digest, gz);
      long afterGzip = stored(s);
      long packs = packBytes(data);

      JsonNode again = put(s, gz);
      assertThat(again.get("digest").asText()).isEqualTo(digest);
      assertThat(again.get("newChunks").asLong()).isZero();
      assertThat(packBytes(data)).as("a second put writes no chunk").isEqualTo(packs);
      noSpoolLeft(data);

      // its chunks are its contents': putting them as they are adds nothing but their name
      JsonNode plain = put(s, raw);
      assertThat(plain.get("newChunks").asLong()).isZero();
      assertThat(stored(s)).isEqualTo(afterGzip);
      assertThat(afterGzip - empty).as("stored like its contents").isLessThan(Files.size(gz));
      readsBack(s, digest, gz);
    }
  }

  @Test
  void aGzipNoCompressorReplaysIsKeptWholeAndReadsBack() throws Exception {
    Path raw = contents();
    Path gz = dir.resolve("zlib.gz");
    // zlib's deflate (java.util.zip) makes other choices than every compressor Strata replays
    try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(gz))) {
      Files.copy(raw, out);
    }
    Path data = dir.resolve("data");
    try (TestServer s = TestServer.start(data)) {
      String digest = put(s, gz).get("digest").asText();
      assertThat(reproduced(s)).isZero();
      readsBack(s, digest, gz);
      long packs = packBytes(data);
      assertThat(put(s, gz).get("newChunks").asLong()).isZero();
      assertThat(packBytes(data)).isEqualTo(packs);
      // kept whole: its contents are new to the store
      assertThat(put(s, raw).get("newChunks").asLong()).isPositive();
      noSpoolLeft(data);
    }
  }

  @Test
  void aPutOfAGzipBlobTheRegistryKeepsAsARecipeWritesNothing() throws Exception {
    Path gz = GoGzip.gzip(contents(), 6);
    byte[] blob = Files.readAllBytes(gz);
    String digest = TestData.sha256(blob);
    Path data = dir.resolve("data");
    try (TestServer s =
        TestServer.start(
            ServerConfig.loopback(data)
                .withRegistry(RegistryConfig.plain(new HostPort("127.0.0.1", 0))))) {
      String base = "http://127.0.0.1:" + s.server().registryAddress().getPort() + "/v2/it/layer";
      HttpResponse<Void> push =
          HTTP.send(
              HttpRequest.newBuilder(URI.create(base + "/blobs/uploads/?digest=" + digest))
                  .timeout(Duration.ofSeconds(30))
                  .POST(HttpRequest.BodyPublishers.ofByteArray(blob))
                  .build(),
              HttpResponse.BodyHandlers.discarding());
      assertThat(push.statusCode()).isEqualTo(201);
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (reproduced(s) == 0) {
        assertThat(System.nanoTime()).as("the registry's recipe job ran").isLessThan(deadline);
        Thread.sleep(100);
      }
      long packs = packBytes(data);
      long before = stored(s);

      JsonNode put = put(s, gz);
      assertThat(put.get("digest").asText()).isEqualTo(digest);
      assertThat(put.get("newChunks").asLong()).isZero();
      assertThat(packBytes(data)).as("the put wrote no chunk").isEqualTo(packs);
      assertThat(stored(s)).isEqualTo(before);
      readsBack(s, digest, gz);
      noSpoolLeft(data);
    }
  }
}
