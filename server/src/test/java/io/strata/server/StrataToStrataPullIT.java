package io.strata.server;

import static io.strata.server.Commands.run;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.strata.store.testing.GoGzip;
import io.strata.store.testing.Tools;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Strata-to-Strata pulls through the registry API, between two real stratad processes: one serves
 * {@code --registry} (images pushed by skopeo, their Go-gzipped layers kept as chunks and recipes),
 * the other pulls with the real CLI through a TCP proxy that counts what crosses. v1 of a layer
 * comes whole; v2, with three files edited, comes as the few chunks the puller lacks, and the
 * pulled image exports the very blobs and manifest digest that were pushed. Plain clients (skopeo)
 * still pull the same image; a registry whose chunks lie is refused, the puller's images unchanged;
 * and a pull from Debian's docker-registry takes the ordinary path.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class StrataToStrataPullIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String INDEX_TYPE = "application/vnd.strata.chunk-index.v1";

  @TempDir static Path dir;
  static StratadProcess registryServer;
  static StratadProcess puller;
  static Cli registryCli;
  static Cli pullerCli;
  static int registryPort;
  static CountingProxy proxy;
  static byte[] gz1;
  static byte[] gz2;
  static Path v1;
  static Path v2;

  @BeforeAll
  static void start() throws Exception {
    Tools.require("skopeo");
    try (ServerSocket s = new ServerSocket(0)) {
      registryPort = s.getLocalPort();
    }
    registryServer =
        StratadProcess.launch(
            dir.resolve("logs-registry"),
            "--data",
            dir.resolve("registry").toString(),
            "--registry",
            "127.0.0.1:" + registryPort);
    puller =
        StratadProcess.launch(
            dir.resolve("logs-puller"), "--data", dir.resolve("puller").toString());
    assertThat(registryServer.awaitReady()).as("registry stratad started").isTrue();
    assertThat(puller.awaitReady()).as("puller stratad started").isTrue();
    registryCli = new Cli(registryServer.port());
    pullerCli = new Cli(puller.port());
    proxy = new CountingProxy(registryPort);

    byte[] tar1 = Tars.of(files(null));
    byte[] tar2 = Tars.of(files("edited in v2\n"));
    gz1 = goGzip("v1", tar1);
    gz2 = goGzip("v2", tar2);
    v1 = layout("v1", tar1, gz1);
    v2 = layout("v2", tar2, gz2);
    skopeo(
        "copy", "--dest-tls-verify=false", "oci:" + v1 + ":1", "docker://" + reg() + "/s2s/app:1");
    skopeo(
        "copy", "--dest-tls-verify=false", "oci:" + v2 + ":1", "docker://" + reg() + "/s2s/app:2");
  }

  @AfterAll
  static void stop() throws IOException {
    if (proxy != null) {
      proxy.close();
    }
    if (puller != null) {
      puller.close();
    }
    if (registryServer != null) {
      registryServer.close();
    }
  }

  private static String reg() {
    return "127.0.0.1:" + registryPort;
  }

  /**
   * About 24 MiB of 160 files, half text (which gzip halves) and half random; with {@code edit},
   * four text files end with it.
   */
  private static Map<String, byte[]> files(String edit) {
    Random r = new Random(15);
    Map<String, byte[]> files = new LinkedHashMap<>();
    StringBuilder words = new StringBuilder();
    for (int i = 0; i < 160; i++) {
      byte[] data;
      if (i % 2 == 0) {
        words.setLength(0);
        while (words.length() < 150_000) {
          words.append("word").append(r.nextInt(5000)).append(r.nextInt(9) == 0 ? '\n' : ' ');
        }
        if (edit != null && i % 50 == 0) {
          words.append(edit);
        }
        data = words.toString().getBytes(StandardCharsets.US_ASCII);
      } else {
        data = new byte[50_000 + r.nextInt(200_000)];
        r.nextBytes(data);
      }
      files.put("srv/data/file" + i, data);
    }
    return files;
  }

  private static byte[] goGzip(String name, byte[] tar) throws Exception {
    Path t = dir.resolve(name + ".tar");
    Files.write(t, tar);
    return Files.readAllBytes(GoGzip.gzip(t, 6));
  }

  /** An OCI layout tagged 1 whose one layer is {@code gz}, the gzip of {@code tar}. */
  private static Path layout(String name, byte[] tar, byte[] gz) throws IOException {
    return Tars.gzipLayout(dir.resolve(name), tar, gz);
  }

  private static String manifestDigest(Path layout) throws IOException {
    return JSON.readTree(Files.readAllBytes(layout.resolve("index.json")))
        .path("manifests")
        .path(0)
        .path("digest")
        .asText();
  }

  private static String skopeo(String... args) throws Exception {
    String[] cmd = new String[args.length + 1];
    cmd[0] = "skopeo";
    System.arraycopy(args, 0, cmd, 1, args.length);
    return run(cmd);
  }

  private static HttpResponse<byte[]> get(String path) throws Exception {
    return HttpClient.newHttpClient()
        .send(
            HttpRequest.newBuilder(URI.create("http://" + reg() + path)).build(),
            HttpResponse.BodyHandlers.ofByteArray());
  }

  /**
   * The referrers of {@code manifest} of {@code repo}, asked until the chunk index is listed (the
   * registry makes it once the layer's recipe job ran, in the background after the push; the
   * referrers request itself only reads).
   */
  private static JsonNode chunkIndexOf(String repo, String manifest) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
    while (true) {
      HttpResponse<byte[]> r = get("/v2/" + repo + "/referrers/" + manifest);
      assertThat(r.statusCode()).isEqualTo(200);
      JsonNode list = JSON.readTree(r.body()).path("manifests");
      for (JsonNode m : list) {
        if (INDEX_TYPE.equals(m.path("artifactType").asText())) {
          return m;
        }
      }
      assertThat(System.nanoTime())
          .as(() -> "chunk index of " + manifest + " listed; the registry logged:\n" + warnings())
          .isLessThan(deadline);
      Thread.sleep(200);
    }
  }

  /**
   * The registry stratad's warnings, and what it said of chunk indexes, recipe jobs and published
   * manifests (its log is in the test's directory, deleted after it).
   */
  private static String warnings() {
    try {
      return registryServer
          .stderr()
          .lines()
          .filter(
              l ->
                  l.contains("WARNING")
                      || l.contains("SEVERE")
                      || l.contains("chunk index")
                      || l.contains("kept whole")
                      || l.contains("registry: deleted"))
          .collect(java.util.stream.Collectors.joining("\n"));
    } catch (IOException e) {
      return "(its log cannot be read: " + e + ")";
    }
  }

  private static JsonNode pull(int port, String ref) throws IOException {
    Cli.Result r =
        pullerCli.strata("--json", "pull", "127.0.0.1:" + port + "/" + ref, "--plain-http");
    assertThat(r.exit()).as("pull %s: %s", ref, r).isZero();
    return JSON.readTree(r.out());
  }

  /** The {@code RepoDigests} the puller's {@code image inspect} gives of {@code ref}. */
  private static List<String> repoDigests(String ref) throws IOException {
    Cli.Result r = pullerCli.strata("--json", "image", "inspect", ref);
    assertThat(r.exit()).as("inspect %s: %s", ref, r).isZero();
    List<String> out = new ArrayList<>();
    JSON.readTree(r.out()).get(0).path("RepoDigests").forEach(d -> out.add(d.asText()));
    return out;
  }

  /** The digest of "{}", the empty config only a chunk-index artifact brings here. */
  private static final String EMPTY_CONFIG =
      "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a";

  @Test
  @Order(1)
  void theRegistryPublishesAChunkIndexPlainClientsCanListAndFetch() throws Exception {
    // made when the layers settle, with no referrers request: the artifact's blobs appear alone
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
    while (!registryCli.strata("blob", "ls").out().contains(EMPTY_CONFIG)) {
      assertThat(System.nanoTime()).as("chunk index made after the push").isLessThan(deadline);
      Thread.sleep(200);
    }
    String m1 = manifestDigest(v1);
    JsonNode desc = chunkIndexOf("s2s/app", m1);
    assertThat(desc.path("mediaType").asText())
        .isEqualTo("application/vnd.oci.image.manifest.v1+json");
    HttpResponse<byte[]> art = get("/v2/s2s/app/manifests/" + desc.path("digest").asText());
    assertThat(art.statusCode()).isEqualTo(200);
    assertThat(Tars.sha256(art.body())).isEqualTo(desc.path("digest").asText());
    JsonNode a = JSON.readTree(art.body());
    assertThat(a.path("artifactType").asText()).isEqualTo(INDEX_TYPE);
    assertThat(a.path("config").path("mediaType").asText())
        .isEqualTo("application/vnd.oci.empty.v1+json");
    assertThat(a.path("subject").path("digest").asText()).isEqualTo(m1);
    assertThat(a.path("layers").size()).isEqualTo(1);
    JsonNode layer = a.path("layers").path(0);
    assertThat(layer.path("annotations").path("io.strata.chunk-index.layer").asText())
        .isEqualTo(Tars.sha256(gz1));
    assertThat(layer.path("mediaType").asText())
        .isEqualTo("application/vnd.strata.chunk-index.layer.v1+zstd");
    System.out.printf(
        "s2s: the layer index of %d bytes of gzip: %d bytes, zstd%n",
        gz1.length, layer.path("size").asLong());
    HttpResponse<byte[]> blob = get("/v2/s2s/app/blobs/" + layer.path("digest").asText());
    assertThat(blob.statusCode()).isEqualTo(200);
    assertThat(Tars.sha256(blob.body())).isEqualTo(layer.path("digest").asText());
    // a gc of the registry keeps the artifact and its blobs: the repository links them
    assertThat(registryCli.strata("gc").exit()).isZero();
    assertThat(Tars.sha256(get("/v2/s2s/app/blobs/" + layer.path("digest").asText()).body()))
        .isEqualTo(layer.path("digest").asText());
    // the artifact is untagged: the tag list is the pushed tags alone
    assertThat(JSON.readTree(get("/v2/s2s/app/tags/list").body()).path("tags").toString())
        .isEqualTo("[\"1\",\"2\"]");
    // skopeo sees the image, not the artifact, and copies it byte for byte
    Path back = dir.resolve("skopeo-back");
    skopeo(
        "copy", "--src-tls-verify=false", "docker://" + reg() + "/s2s/app:1", "oci:" + back + ":1");
    try (Stream<Path> s = Files.list(v1.resolve("blobs/sha256"))) {
      for (Path b : s.toList()) {
        assertThat(Files.readAllBytes(back.resolve("blobs/sha256").resolve(b.getFileName())))
            .isEqualTo(Files.readAllBytes(b));
      }
    }
  }

  @Test
  @Order(2)
  void v1ComesWholeThenV2OnlyItsMissingChunks() throws Exception {
    chunkIndexOf("s2s/app", manifestDigest(v2));
    proxy.reset();
    JsonNode r1 = pull(proxy.port(), "s2s/app:1");
    long wire1 = proxy.down() + proxy.up();
    assertThat(r1.path("chunkIndex").asBoolean()).as("%s", r1).isTrue();
    assertThat(wire1).as("v1 on the wire").isGreaterThan(gz1.length / 2);

    // a registry whose chunk answer lies is refused, naming the chunk; the puller is unchanged
    String imagesBefore = pullerCli.strata("image", "ls").out();
    try (LyingRegistry liar = new LyingRegistry(registryPort)) {
      Cli.Result bad =
          pullerCli.strata("pull", "127.0.0.1:" + liar.port() + "/s2s/app:2", "--plain-http");
      assertThat(bad.exit()).as("%s", bad).isNotZero();
      assertThat(bad.err()).contains("sent chunk sha256:").contains("registry 127.0.0.1:");
      System.out.println("s2s: a lying registry: " + bad.err().trim());
    }
    assertThat(pullerCli.strata("image", "ls").out()).isEqualTo(imagesBefore);
    // what the refused pull stored is unreferenced: a gc takes it, so v2 below counts honestly
    assertThat(pullerCli.strata("gc").exit()).isZero();

    proxy.reset();
    JsonNode r2 = pull(proxy.port(), "s2s/app:2");
    long wire2 = proxy.down() + proxy.up();
    assertThat(r2.path("chunkIndex").asBoolean()).isTrue();
    assertThat(wire2)
        .as("v2 on the wire (%d bytes) against its %d-byte layer", wire2, gz2.length)
        .isLessThanOrEqualTo(gz2.length * 15L / 1000);
    assertThat(r2.path("wireBytes").asLong()).isLessThanOrEqualTo(wire2);
    System.out.printf(
        "s2s: layer v1 %d bytes gzip, %d on the wire; v2 %d bytes gzip, %d on the wire (%.2f%%);"
            + " the server counted %d%n",
        gz1.length,
        wire1,
        gz2.length,
        wire2,
        100.0 * wire2 / gz2.length,
        r2.path("wireBytes").asLong());

    // the pulled image keeps its manifest digest and exports the pushed blobs byte for byte
    String name = "127.0.0.1:" + proxy.port() + "/s2s/app:2";
    Cli.Result inspect = pullerCli.strata("--json", "image", "inspect", name);
    assertThat(inspect.exit()).as("%s", inspect).isZero();
    assertThat(JSON.readTree(inspect.out()).get(0).path("RepoDigests").toString())
        .contains("@" + manifestDigest(v2));
    Path exported = dir.resolve("exported-v2");
    Cli.Result export =
        pullerCli.strata("image", "export", name, "-o", exported.toString(), "--format", "oci");
    assertThat(export.exit()).as("%s", export).isZero();
    try (Stream<Path> s = Files.list(v2.resolve("blobs/sha256"))) {
      for (Path b : s.toList()) {
        assertThat(Files.readAllBytes(exported.resolve("blobs/sha256").resolve(b.getFileName())))
            .as("exported blob %s", b.getFileName())
            .isEqualTo(Files.readAllBytes(b));
      }
    }
    assertThat(pullerCli.strata("fsck").exit()).isZero();
  }

  private static HttpResponse<byte[]> chunkRequest(byte[] body) throws Exception {
    return HttpClient.newHttpClient()
        .send(
            HttpRequest.newBuilder(URI.create("http://" + reg() + "/v2/s2s/app/_strata/chunks"))
                .POST(HttpRequest.BodyPublishers.ofByteArray(body))
                .build(),
            HttpResponse.BodyHandlers.ofByteArray());
  }

  /** The status line of a chunk request that says it is 4 MiB and 1 byte long (and sends none). */
  private static String oversizedChunkRequestStatus() throws IOException {
    try (java.net.Socket s = new java.net.Socket("127.0.0.1", registryPort)) {
      s.setSoTimeout(30_000);
      s.getOutputStream()
          .write(
              ("POST /v2/s2s/app/_strata/chunks HTTP/1.1\r\nHost: r\r\nContent-Length: "
                      + ((4 << 20) + 1)
                      + "\r\n\r\n")
                  .getBytes(StandardCharsets.US_ASCII));
      return new java.io.BufferedReader(
              new java.io.InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII))
          .readLine();
    }
  }

  /** {@code layers:u16 (digest:32){layers}}, then {@code list} (a chunk list, or anything). */
  private static byte[] request(List<String> layers, byte[] list) {
    java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(2 + 32 * layers.size() + list.length);
    b.putShort((short) layers.size());
    layers.forEach(l -> b.put(java.util.HexFormat.of().parseHex(l.substring(7))));
    return b.put(list).array();
  }

  /** {@code n:u32 (digest:32 length:u32){n}} of one chunk. */
  private static byte[] oneChunk(String digest, int length) {
    java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(4 + 32 + 4);
    b.putInt(1).put(java.util.HexFormat.of().parseHex(digest.substring(7))).putInt(length);
    return b.array();
  }

  @Test
  @Order(3)
  void theChunkRequestServesOnlyChunksOfTheLayersNamed() throws Exception {
    String layer = Tars.sha256(gz1);
    // the config is a blob of the repository, but no layer kept as chunks: nothing of it is served
    String config =
        JSON.readTree(
                Files.readAllBytes(v1.resolve("blobs/sha256/" + manifestDigest(v1).substring(7))))
            .path("config")
            .path("digest")
            .asText();
    byte[] configBytes = Files.readAllBytes(v1.resolve("blobs/sha256/" + config.substring(7)));
    HttpResponse<byte[]> notInLayer =
        chunkRequest(request(List.of(layer), oneChunk(config, configBytes.length)));
    assertThat(notInLayer.statusCode()).isEqualTo(404);
    assertThat(new String(notInLayer.body(), StandardCharsets.UTF_8)).contains("BLOB_UNKNOWN");
    String elsewhere = "sha256:" + "ab".repeat(32);
    assertThat(chunkRequest(request(List.of(elsewhere), oneChunk(config, 10))).statusCode())
        .isEqualTo(404);
    HttpResponse<byte[]> noLayer = chunkRequest(request(List.of(), oneChunk(config, 10)));
    assertThat(noLayer.statusCode()).isEqualTo(400);
    assertThat(new String(noLayer.body(), StandardCharsets.UTF_8)).contains("names 0 layers");
    assertThat(chunkRequest(request(List.of(layer), new byte[] {0, 0, 0, 5, 1})).statusCode())
        .isEqualTo(400);
    assertThat(chunkRequest(new byte[] {0, 1, 7}).statusCode()).isEqualTo(400);
    // refused by its Content-Length, before a body a client would still be writing
    assertThat(oversizedChunkRequestStatus()).startsWith("HTTP/1.1 413");
    // an empty list is answered with no records
    HttpResponse<byte[]> none = chunkRequest(request(List.of(layer), new byte[4]));
    assertThat(none.statusCode()).isEqualTo(200);
    assertThat(none.body()).isEmpty();
  }

  @Test
  @Order(4)
  void anImageTheRegistryServesByNameGetsAChunkIndexToo() throws Exception {
    byte[] tar3 = Tars.of(files("edited in v3\n"));
    byte[] gz3 = goGzip("v3", tar3);
    Path v3 = layout("v3", tar3, gz3);
    Cli.Result imported = registryCli.strata("image", "import", v3 + ":1", "-t", "local/app:3");
    // the server's log with it: seen failing once (2026-12-07, "I/O error on the server: null")
    assertThat(imported.exit())
        .as("%s%nthe registry's stratad logged:%n%s", imported, registryServer.stderr())
        .isZero();
    // the first pull by name publishes the image in the registry, its layer stored whole; the
    // layer becomes chunks and a recipe after, and then the image has a chunk index
    HttpResponse<byte[]> m = get("/v2/local/app/manifests/3");
    assertThat(m.statusCode()).isEqualTo(200);
    assertThat(Tars.sha256(m.body())).isEqualTo(manifestDigest(v3));
    chunkIndexOf("local/app", manifestDigest(v3));
    proxy.reset();
    JsonNode r = pull(proxy.port(), "local/app:3");
    assertThat(r.path("chunkIndex").asBoolean()).as("%s", r).isTrue();
    // the puller holds v1 and v2: only v3's edits cross
    assertThat(proxy.down() + proxy.up()).isLessThan(gz3.length * 15L / 1000);
  }

  @Test
  @Order(5)
  void aPullFromDebiansDockerRegistryTakesTheOrdinaryPath() throws Exception {
    Tools.require("docker-registry");
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    Path config = dir.resolve("docker-registry.yml");
    Files.writeString(
        config,
        "version: 0.1\nstorage: {filesystem: {rootdirectory: "
            + dir.resolve("docker-registry-data")
            + "}}\nhttp: {addr: 127.0.0.1:"
            + port
            + "}\n");
    Process registry =
        new ProcessBuilder("docker-registry", "serve", config.toString())
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve("docker-registry.log").toFile())
            .start();
    try {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (true) {
        try {
          HttpResponse<Void> r =
              HttpClient.newHttpClient()
                  .send(
                      HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v2/"))
                          .build(),
                      HttpResponse.BodyHandlers.discarding());
          if (r.statusCode() == 200) {
            break;
          }
        } catch (IOException notYet) {
          // starting
        }
        assertThat(System.nanoTime()).as("docker-registry started").isLessThan(deadline);
        Thread.sleep(100);
      }
      skopeo(
          "copy",
          "--dest-tls-verify=false",
          "oci:" + v1 + ":1",
          "docker://127.0.0.1:" + port + "/plain/app:1");
      JsonNode r = pull(port, "plain/app:1");
      assertThat(r.path("chunkIndex").asBoolean()).as("%s", r).isFalse();
      assertThat(pullerCli.strata("image", "ls").out())
          .contains("127.0.0.1:" + port + "/plain/app");
      // pulled again unchanged: one HEAD, nothing fetched, as docker pull says "up to date"
      JsonNode again = pull(port, "plain/app:1");
      assertThat(again.path("upToDate").asBoolean()).as("%s", again).isTrue();
      assertThat(again.path("bytesSent").asLong()).isZero();
      Cli.Result plain =
          pullerCli.strata("pull", "127.0.0.1:" + port + "/plain/app:1", "--plain-http");
      assertThat(plain.out())
          .as("%s", plain)
          .startsWith("127.0.0.1:" + port + "/plain/app:1: image is up to date (sha256:");

      // the same image under another repository: its layer is held with that very blob, so only
      // the manifest and the config cross, as docker's pull says "Already exists" (AC A2: the
      // layers came again); the image is whole, and exports byte for byte
      skopeo(
          "copy",
          "--dest-tls-verify=false",
          "oci:" + v1 + ":1",
          "docker://127.0.0.1:" + port + "/plain/other:1");
      JsonNode other = pull(port, "plain/other:1");
      assertThat(other.path("upToDate").asBoolean()).as("%s", other).isFalse();
      assertThat(other.path("chunksSent").asLong()).as("%s", other).isEqualTo(2);
      assertThat(other.path("chunksTotal").asLong()).as("%s", other).isGreaterThan(2);
      assertThat(other.path("bytesSent").asLong())
          .as("%s", other)
          .isLessThan(other.path("bytesTotal").asLong() / 10);
      Path otherOut = dir.resolve("exported-other");
      Cli.Result otherExport =
          pullerCli.strata(
              "image", "export", "127.0.0.1:" + port + "/plain/other:1", "-o", otherOut.toString());
      assertThat(otherExport.exit()).as("%s", otherExport).isZero();
      assertThat(manifestDigest(otherOut)).isEqualTo(manifestDigest(v1));
      Cli.Result otherText =
          pullerCli.strata("pull", "127.0.0.1:" + port + "/plain/other:1", "--plain-http");
      assertThat(otherText.out()).as("%s", otherText).contains("up to date");

      // a multi-platform image: its RepoDigests name the index the tag names, as docker's do, so
      // the next pull of the unchanged tag is up to date too
      String reg = "127.0.0.1:" + port;
      String index = Tars.multiPlatformLayout(dir.resolve("multi"), v1);
      skopeo(
          "copy",
          "--all",
          "--dest-tls-verify=false",
          "oci:" + dir.resolve("multi") + ":1",
          "docker://" + reg + "/plain/multi:1");
      assertThat(pull(port, "plain/multi:1").path("upToDate").asBoolean()).isFalse();
      assertThat(repoDigests(reg + "/plain/multi:1"))
          .contains(reg + "/plain/multi@" + index, reg + "/plain/app@" + manifestDigest(v1))
          .doesNotContain(reg + "/plain/multi@" + manifestDigest(v1));
      assertThat(pull(port, "plain/multi:1").path("upToDate").asBoolean()).isTrue();
      assertThat(pull(port, "plain/multi@" + index).path("upToDate").asBoolean()).isTrue();

      // a pull by digest, no tag: the image keeps that reference, names it, and is up to date
      skopeo(
          "copy",
          "--dest-tls-verify=false",
          "oci:" + v2 + ":1",
          "docker://" + reg + "/plain/app:2");
      String byDigest = reg + "/plain/app@" + manifestDigest(v2);
      assertThat(pull(port, "plain/app@" + manifestDigest(v2)).path("upToDate").asBoolean())
          .isFalse();
      assertThat(repoDigests(byDigest)).contains(byDigest);
      assertThat(pull(port, "plain/app@" + manifestDigest(v2)).path("upToDate").asBoolean())
          .isTrue();
      Path exported = dir.resolve("exported-by-digest");
      Cli.Result export = pullerCli.strata("image", "export", byDigest, "-o", exported.toString());
      assertThat(export.exit()).as("%s", export).isZero();
      assertThat(manifestDigest(exported)).isEqualTo(manifestDigest(v2));
    } finally {
      registry.destroyForcibly();
      registry.waitFor(10, TimeUnit.SECONDS);
    }
  }

  @Test
  @Order(6)
  void anImageOfMoreLayersThanAQueryStringHeldIsPulledThroughItsIndex() throws Exception {
    int n = 150; // the chunk request named its layers in the query string: about 100 fitted
    List<byte[]> tars = new java.util.ArrayList<>();
    List<byte[]> gzs = new java.util.ArrayList<>();
    for (int i = 0; i < n; i++) {
      byte[] tar = Tars.of("srv/layer" + i, ("layer " + i + "\n").repeat(200 + i));
      java.io.ByteArrayOutputStream gz = new java.io.ByteArrayOutputStream();
      try (var out =
          new io.strata.store.deflate.GoGzipOutputStream(
              gz, 6, io.strata.store.deflate.GoGzipOutputStream.goHeader(6))) {
        out.write(tar);
      }
      tars.add(tar);
      gzs.add(gz.toByteArray());
    }
    Path many = Tars.gzipLayout(dir.resolve("many"), tars, gzs);
    skopeo(
        "copy",
        "--dest-tls-verify=false",
        "oci:" + many + ":1",
        "docker://" + reg() + "/s2s/many:1");
    JsonNode desc = chunkIndexOf("s2s/many", manifestDigest(many));
    JsonNode artifact =
        JSON.readTree(get("/v2/s2s/many/manifests/" + desc.path("digest").asText()).body());
    assertThat(artifact.path("layers")).hasSize(n);
    JsonNode r = pull(proxy.port(), "s2s/many:1");
    assertThat(r.path("chunkIndex").asBoolean()).as("%s", r).isTrue();
    String name = "127.0.0.1:" + proxy.port() + "/s2s/many:1";
    Cli.Result inspect = pullerCli.strata("--json", "image", "inspect", name);
    assertThat(inspect.exit()).as("%s", inspect).isZero();
    JsonNode image = JSON.readTree(inspect.out()).get(0);
    assertThat(image.path("RootFS").path("Layers")).hasSize(n);
    assertThat(image.path("RepoDigests").toString()).contains("@" + manifestDigest(many));
  }

  @Test
  @Order(7)
  void aManifestDeletedByDigestTakesItsChunkIndexWithIt() throws Exception {
    String m = manifestDigest(v1);
    String artifact = chunkIndexOf("s2s/app", m).path("digest").asText();
    HttpResponse<Void> del =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(URI.create("http://" + reg() + "/v2/s2s/app/manifests/" + m))
                    .DELETE()
                    .build(),
                HttpResponse.BodyHandlers.discarding());
    assertThat(del.statusCode()).isEqualTo(202);
    assertThat(get("/v2/s2s/app/manifests/" + artifact).statusCode()).isEqualTo(404);
    assertThat(JSON.readTree(get("/v2/s2s/app/referrers/" + m).body()).path("manifests")).isEmpty();
    // v2's index is its own and stays
    assertThat(chunkIndexOf("s2s/app", manifestDigest(v2)).path("digest").asText())
        .isNotEqualTo(artifact);
  }
}
