package io.strata.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.strata.protocol.HostPort;
import io.strata.server.registry.RegistryConfig;
import io.strata.store.testing.GoGzip;
import io.strata.store.testing.Tools;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code strata build} with {@code FROM REGISTRY/REPO:TAG}: a registry stratad ({@code --registry},
 * with a token) holds images skopeo pushed; a second stratad, on its own data root, builds from
 * them with the real CLI. A base it lacks is pulled (the ordinary way for a layer no recipe
 * reproduces, through the chunk index for a Go-gzipped one), tagged as {@code strata pull} tags it,
 * and the built image stands on its layers; a base it has is used without the network unless {@code
 * --pull}, which takes the version pushed since. A registry that refuses, lacks the image or cannot
 * be reached fails the build in one line with the exit code of SPEC §1, leaving the store as it
 * was.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class BuildFromRegistryIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String TOKEN = "build-from-secret";
  private static final String INDEX_TYPE = "application/vnd.strata.chunk-index.v1";

  @TempDir static Path dir;
  static TestServer registry;
  static TestServer builder;
  static String reg;
  static Path tokenFile;
  static Path context;
  static byte[] baseV1;
  static byte[] baseV2;
  static byte[] tools;

  @BeforeAll
  static void start() throws Exception {
    Tools.require("skopeo");
    registry =
        TestServer.start(
            ServerConfig.loopback(dir.resolve("registry"))
                .withToken(TOKEN.getBytes(StandardCharsets.UTF_8))
                .withRegistry(RegistryConfig.plain(new HostPort("127.0.0.1", 0))));
    builder = TestServer.start(dir.resolve("builder"));
    reg = "localhost:" + registry.server().registryAddress().getPort();
    tokenFile = dir.resolve("token");
    Files.writeString(tokenFile, TOKEN);
    Files.setPosixFilePermissions(tokenFile, PosixFilePermissions.fromString("rw-------"));

    // layers gzipped by java.util.zip, which no recipe reproduces: no chunk index, ordinary pulls
    baseV1 = Tars.of(Map.of("etc/os-release", "base v1\n".getBytes(StandardCharsets.UTF_8)));
    baseV2 = Tars.of(Map.of("etc/os-release", "base v2\n".getBytes(StandardCharsets.UTF_8)));
    tools = Tars.of(Map.of("opt/tool.txt", "a tool\n".getBytes(StandardCharsets.UTF_8)));
    push(Tars.gzipLayout(dir.resolve("v1"), baseV1, gzip(baseV1)), "base/app:1");
    push(Tars.gzipLayout(dir.resolve("tools"), tools, gzip(tools)), "base/tools:1");

    context = Files.createDirectories(dir.resolve("ctx"));
    Files.writeString(context.resolve("hello.txt"), "hello\n");
  }

  @AfterAll
  static void stop() {
    if (builder != null) {
      builder.close();
    }
    if (registry != null) {
      registry.close();
    }
  }

  private static byte[] gzip(byte[] tar) throws IOException {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    try (GZIPOutputStream z = new GZIPOutputStream(b)) {
      z.write(tar);
    }
    return b.toByteArray();
  }

  private static void push(Path layout, String repoTag) throws Exception {
    Cli.Result r =
        Cli.sh(
            "skopeo copy --dest-tls-verify=false --dest-creds me:"
                + TOKEN
                + " oci:"
                + layout
                + ":1 docker://"
                + reg
                + "/"
                + repoTag,
            120);
    assertThat(r.exit()).as("skopeo push of %s: %s", repoTag, r).isZero();
  }

  /** {@code strata build} of {@code dockerfile} in the builder, with {@code options}. */
  private static TestServer.CliRun build(String dockerfile, String tag, String... options)
      throws IOException {
    Path df = dir.resolve("Dockerfile-" + tag.replace(':', '-').replace('/', '-'));
    Files.writeString(df, dockerfile);
    List<String> args = new ArrayList<>(List.of("build", "-f", df.toString(), "-t", tag));
    args.addAll(List.of(options));
    args.add(context.toString());
    return builder.cli(args.toArray(String[]::new));
  }

  private static String[] withRegistry(String... more) {
    List<String> a =
        new ArrayList<>(List.of("--plain-http", "--remote-token-file", tokenFile.toString()));
    a.addAll(List.of(more));
    return a.toArray(String[]::new);
  }

  private static JsonNode inspect(String ref) throws IOException {
    TestServer.CliRun r = builder.cli("image", "inspect", ref);
    assertThat(r.code()).as("inspect %s: %s", ref, r.stderr()).isZero();
    return JSON.readTree(r.stdout()).get(0);
  }

  private static List<String> diffIds(String ref) throws IOException {
    List<String> out = new ArrayList<>();
    inspect(ref).path("RootFS").path("Layers").forEach(l -> out.add(l.asText()));
    return out;
  }

  private static String imageList() {
    TestServer.CliRun r = builder.cli("image", "ls");
    assertThat(r.code()).isZero();
    return r.out();
  }

  /** What the builder's data root holds under tmp from build pulls (nothing, between builds). */
  private static List<Path> pullLeftovers() throws IOException {
    Path tmp = dir.resolve("builder/tmp");
    if (!Files.isDirectory(tmp)) {
      return List.of();
    }
    try (Stream<Path> s = Files.list(tmp)) {
      return s.filter(p -> p.getFileName().toString().startsWith("build-pull-")).toList();
    }
  }

  @Test
  @Order(1)
  void fromAndCopyFromOfRegistryImagesTheStoreLacksArePulledThenBuiltOn() throws Exception {
    assertThat(imageList()).doesNotContain("base/app");
    TestServer.CliRun r =
        build(
            "FROM "
                + reg
                + "/base/app:1\n"
                + "COPY --from="
                + reg
                + "/base/tools:1 /opt/tool.txt /opt/tool.txt\n"
                + "COPY hello.txt /hello.txt\n",
            "app:1",
            withRegistry());
    assertThat(r.code()).as("build: %s %s", r.out(), r.stderr()).isZero();
    assertThat(r.out())
        .contains("Pulling " + reg + "/base/app:1 (not in the store) from registry " + reg)
        .contains(reg + "/base/app:1: sent 3 of 3 blobs")
        .contains("Pulling " + reg + "/base/tools:1 (not in the store)")
        .contains("Step 1/3 : FROM " + reg + "/base/app:1");
    assertThat(r.out().indexOf("Pulling " + reg + "/base/app:1"))
        .as("pulled before the build's steps")
        .isLessThan(r.out().indexOf("Step 1/3"));
    // the pulled images are in the store, named as strata pull names them
    assertThat(imageList()).contains(reg + "/base/app").contains(reg + "/base/tools");
    assertThat(diffIds(reg + "/base/app:1")).containsExactly(Tars.sha256(baseV1));
    // the built image stands on the base's layer, then its two COPYs
    List<String> built = diffIds("app:1");
    assertThat(built).hasSize(3);
    assertThat(built.get(0)).isEqualTo(Tars.sha256(baseV1));
    assertThat(pullLeftovers()).isEmpty();
  }

  @Test
  @Order(2)
  void aBaseTheStoreHasIsUsedAsItIsWithoutTheRegistryUnlessPull() throws Exception {
    // a name whose registry cannot be reached: a build that asked it anything would fail
    assertThat(builder.cli("image", "tag", reg + "/base/app:1", "localhost:1/base/app:1").code())
        .isZero();
    TestServer.CliRun local = build("FROM localhost:1/base/app:1\n", "local:1", "--plain-http");
    assertThat(local.code()).as("%s %s", local.out(), local.stderr()).isZero();
    assertThat(local.out()).doesNotContain("Pulling");
    assertThat(diffIds("local:1")).containsExactly(Tars.sha256(baseV1));
    // by digest too: the store's image that arrived with that manifest
    String v1 =
        JSON.readTree(Files.readAllBytes(dir.resolve("v1/index.json")))
            .path("manifests")
            .path(0)
            .path("digest")
            .asText();
    TestServer.CliRun byDigest =
        build("FROM localhost:1/base/app@" + v1 + "\n", "local:3", "--plain-http");
    assertThat(byDigest.code()).as("%s %s", byDigest.out(), byDigest.stderr()).isZero();
    assertThat(byDigest.out()).doesNotContain("Pulling");
    assertThat(diffIds("local:3")).containsExactly(Tars.sha256(baseV1));

    String before = imageList();
    TestServer.CliRun pull =
        build("FROM localhost:1/base/app:1\n", "local:2", "--plain-http", "--pull");
    assertThat(pull.code()).as("%s %s", pull.out(), pull.stderr()).isEqualTo(3);
    assertThat(pull.stderr().strip())
        .startsWith(
            "strata: Dockerfile line 1: FROM localhost:1/base/app:1: cannot reach the"
                + " registry: registry localhost:1:")
        .doesNotContain("\n");
    assertThat(imageList()).isEqualTo(before);
  }

  @Test
  @Order(3)
  void pullTakesTheVersionPushedSinceAndSaysWhenTheStoreIsUpToDate() throws Exception {
    push(Tars.gzipLayout(dir.resolve("v2"), baseV2, gzip(baseV2)), "base/app:1");
    String df = "FROM " + reg + "/base/app:1\nCOPY hello.txt /hello.txt\n";
    TestServer.CliRun cached = build(df, "again:1", withRegistry());
    assertThat(cached.code()).as("%s %s", cached.out(), cached.stderr()).isZero();
    assertThat(cached.out()).doesNotContain("Pulling");
    assertThat(diffIds("again:1").get(0)).as("the store's v1").isEqualTo(Tars.sha256(baseV1));

    TestServer.CliRun pulled = build(df, "again:2", withRegistry("--pull"));
    assertThat(pulled.code()).as("%s %s", pulled.out(), pulled.stderr()).isZero();
    assertThat(pulled.out()).contains("Pulling " + reg + "/base/app:1 (--pull)");
    assertThat(diffIds("again:2").get(0)).as("v2, pushed since").isEqualTo(Tars.sha256(baseV2));
    assertThat(diffIds(reg + "/base/app:1")).containsExactly(Tars.sha256(baseV2));

    TestServer.CliRun same = build(df, "again:3", withRegistry("--pull"));
    assertThat(same.code()).as("%s %s", same.out(), same.stderr()).isZero();
    assertThat(same.out())
        .contains(reg + "/base/app:1: image is up to date")
        .doesNotContain("Pulling");
    assertThat(diffIds("again:3")).isEqualTo(diffIds("again:2"));

    // v1 by digest: the tag names v2 now, but the store's v1 image still lists the digest it was
    // pulled by, as docker keeps a dangling image's RepoDigests: nothing is fetched
    String v1 =
        JSON.readTree(Files.readAllBytes(dir.resolve("v1/index.json")))
            .path("manifests")
            .path(0)
            .path("digest")
            .asText();
    TestServer.CliRun held =
        build("FROM " + reg + "/base/app@" + v1 + "\n", "again:4", withRegistry());
    assertThat(held.code()).as("%s %s", held.out(), held.stderr()).isZero();
    assertThat(held.out()).doesNotContain("Pulling");
    assertThat(diffIds("again:4")).containsExactly(Tars.sha256(baseV1));

    // once that image is gone, the digest is pulled, untagged, and keeps the reference it was
    // pulled by
    TestServer.CliRun rm = builder.cli("image", "rm", reg + "/base/app@" + v1);
    assertThat(rm.code()).as("%s %s", rm.out(), rm.stderr()).isZero();
    TestServer.CliRun byDigest =
        build("FROM " + reg + "/base/app@" + v1 + "\n", "again:5", withRegistry());
    assertThat(byDigest.code()).as("%s %s", byDigest.out(), byDigest.stderr()).isZero();
    assertThat(byDigest.out())
        .contains("Pulling " + reg + "/base/app@" + v1 + " (not in the store)");
    assertThat(diffIds("again:5")).containsExactly(Tars.sha256(baseV1));
    assertThat(diffIds(reg + "/base/app@" + v1)).containsExactly(Tars.sha256(baseV1));
    assertThat(diffIds(reg + "/base/app:1"))
        .as("the tag is left alone")
        .containsExactly(Tars.sha256(baseV2));
    assertThat(pullLeftovers()).isEmpty();
  }

  @Test
  @Order(4)
  void aStrataRegistrysChunkIndexIsUsedWhenItPublishesOne() throws Exception {
    Map<String, byte[]> files = new LinkedHashMap<>();
    Random random = new Random(15);
    for (int i = 0; i < 20; i++) {
      byte[] data = new byte[40_000];
      random.nextBytes(data);
      files.put("srv/file" + i, data);
    }
    byte[] tar = Tars.of(files);
    Path t = dir.resolve("go.tar");
    Files.write(t, tar);
    byte[] gz = Files.readAllBytes(GoGzip.gzip(t, 6));
    Path layout = Tars.gzipLayout(dir.resolve("go"), tar, gz);
    push(layout, "base/go:1");
    String manifest =
        JSON.readTree(Files.readAllBytes(layout.resolve("index.json")))
            .path("manifests")
            .path(0)
            .path("digest")
            .asText();
    awaitChunkIndex("base/go", manifest);

    TestServer.CliRun r =
        build("FROM " + reg + "/base/go:1\nCOPY hello.txt /hello.txt\n", "go:1", withRegistry());
    assertThat(r.code()).as("%s %s", r.out(), r.stderr()).isZero();
    assertThat(r.out())
        .contains("Pulling " + reg + "/base/go:1 (not in the store)")
        .containsPattern(reg + "/base/go:1: sent \\d+ of \\d+ chunks, .* bytes on the wire");
    assertThat(diffIds("go:1").get(0)).isEqualTo(Tars.sha256(tar));
    // pulled through the index, it keeps the pushed manifest: its RepoDigests name it
    assertThat(inspect(reg + "/base/go:1").path("RepoDigests").toString())
        .contains(reg + "/base/go@" + manifest);
  }

  private static void awaitChunkIndex(String repo, String manifest) throws Exception {
    HttpClient http = HttpClient.newHttpClient();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
    while (true) {
      HttpResponse<byte[]> r =
          http.send(
              HttpRequest.newBuilder(
                      URI.create("http://" + reg + "/v2/" + repo + "/referrers/" + manifest))
                  .header("Authorization", "Bearer " + TOKEN)
                  .build(),
              HttpResponse.BodyHandlers.ofByteArray());
      assertThat(r.statusCode()).isEqualTo(200);
      for (JsonNode m : JSON.readTree(r.body()).path("manifests")) {
        if (INDEX_TYPE.equals(m.path("artifactType").asText())) {
          return;
        }
      }
      assertThat(System.nanoTime()).as("chunk index of %s listed", manifest).isLessThan(deadline);
      Thread.sleep(200);
    }
  }

  @Test
  @Order(5)
  void refusedMissingAndUnreachableFailInOneLineLeavingTheStoreAsItWas() throws Exception {
    String before = imageList();
    String df = "FROM " + reg + "/base/tools:1\n";
    // the build that pulled it has ended, so its pin is gone and the image can be removed
    assertThat(builder.cli("image", "rm", reg + "/base/tools:1").code()).isZero();
    String without = imageList();

    TestServer.CliRun anonymous = build(df, "denied:1", "--plain-http");
    assertThat(anonymous.code()).as("%s", anonymous.stderr()).isEqualTo(3);
    assertThat(anonymous.stderr().strip())
        .isEqualTo(
            "strata: Dockerfile line 1: FROM "
                + reg
                + "/base/tools:1: registry "
                + reg
                + " refused to serve it without credentials (give its secret with"
                + " --remote-token-file) (HTTP 401)");

    Path wrong = dir.resolve("wrong-token");
    Files.writeString(wrong, "not-the-secret");
    Files.setPosixFilePermissions(wrong, PosixFilePermissions.fromString("rw-------"));
    TestServer.CliRun refused =
        build(df, "denied:2", "--plain-http", "--remote-token-file", wrong.toString());
    assertThat(refused.code()).as("%s", refused.stderr()).isEqualTo(3);
    assertThat(refused.stderr())
        .contains("registry " + reg + " refused the secret of --remote-token-file");

    TestServer.CliRun missing = build("FROM " + reg + "/base/nope:1\n", "nope:1", withRegistry());
    assertThat(missing.code()).as("%s", missing.stderr()).isEqualTo(4);
    assertThat(missing.stderr().strip())
        .isEqualTo(
            "strata: Dockerfile line 1: FROM "
                + reg
                + "/base/nope:1: registry "
                + reg
                + " has no image base/nope:1");

    TestServer.CliRun noRegistry = build("FROM debian:bookworm\n", "deb:1", withRegistry());
    assertThat(noRegistry.code()).as("%s", noRegistry.stderr()).isEqualTo(4);
    assertThat(noRegistry.stderr().strip())
        .isEqualTo(
            "strata: Dockerfile line 1: FROM debian:bookworm: image debian:bookworm is not in the"
                + " store (Strata has no default registry: name one, FROM REGISTRY/REPO:TAG, to"
                + " have the build pull it, or pull or import it first)");

    assertThat(imageList()).as("nothing pulled, nothing built").isEqualTo(without);
    assertThat(before).contains(reg + "/base/tools");
    assertThat(pullLeftovers()).isEmpty();
  }
}
