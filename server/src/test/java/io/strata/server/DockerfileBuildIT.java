package io.strata.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.strata.protocol.message.Json;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code strata build} as docker users write Dockerfiles, through a real stratad and the real CLI:
 * .dockerignore keeps secrets out of the context, multi-stage builds with COPY --from and --target,
 * ARG with --build-arg, --no-cache, the config-only instructions in {@code inspect}, and one-line
 * refusals (heredocs, RUN) that leave no image behind.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class DockerfileBuildIT {
  @TempDir static Path dir;
  private static TestServer server;
  private static Path ctx;

  @BeforeAll
  static void start() throws Exception {
    server = TestServer.start(dir.resolve("data"));
    Path base = Files.createDirectories(dir.resolve("base/etc"));
    Files.writeString(base.resolve("os-release"), "base-os\n");
    ok("image", "import", base.getParent().toString(), "-t", "dfbase:1");
    ctx = Files.createDirectories(dir.resolve("ctx"));
    Files.createDirectories(ctx.resolve("src"));
    Files.createDirectories(ctx.resolve("secrets"));
    Files.writeString(ctx.resolve("src/main.go"), "package main\n");
    Files.writeString(ctx.resolve("src/debug.log"), "noise\n");
    Files.writeString(ctx.resolve("src/keep.log"), "kept\n");
    Files.writeString(ctx.resolve("secrets/id_rsa"), "PRIVATE KEY\n");
    Files.writeString(ctx.resolve(".env"), "TOKEN=secret\n");
    Files.writeString(ctx.resolve(".dockerignore"), "secrets\n.env\n**/*.log\n!src/keep.log\n");
    Files.writeString(
        ctx.resolve("Dockerfile"),
        String.join(
            "\n",
            "ARG BASE=dfbase:1",
            "FROM ${BASE} AS build",
            "ARG VERSION=dev",
            "COPY . /work",
            "LABEL stage=build version=${VERSION}",
            "FROM scratch AS release",
            "ARG VERSION=dev",
            "COPY --from=build /work/src /app/",
            "COPY --from=build /etc/os-release /app/os-release",
            "LABEL version=$VERSION",
            "EXPOSE 8080/tcp",
            "VOLUME /data",
            "STOPSIGNAL SIGQUIT",
            "HEALTHCHECK --interval=10s CMD [\"/app/check\"]",
            "USER 1000",
            "ENTRYPOINT [\"/app/server\"]"));
  }

  @AfterAll
  static void stop() {
    if (server != null) {
      server.close();
    }
  }

  private static TestServer.CliRun ok(String... args) {
    TestServer.CliRun r = server.cli(args);
    assertThat(r.code()).as("strata %s: %s", String.join(" ", args), r.stderr()).isZero();
    return r;
  }

  private static JsonNode inspect(String image) throws Exception {
    return Json.tree(ok("image", "inspect", image).stdout(), "inspect").get(0);
  }

  /** Whether PATH exists in IMAGE, through a container of it. */
  private static boolean exists(String container, String path) {
    TestServer.CliRun r = server.cli("fs", container, "stat", path);
    assertThat(r.code()).as("fs stat %s: %s", path, r.stderr()).isIn(0, 4);
    return r.code() == 0;
  }

  @Test
  void multiStageWithIgnoreArgsAndTarget() throws Exception {
    TestServer.CliRun built =
        ok("build", "--build-arg", "VERSION=1.2.3", "-t", "df-app:1", ctx.toString());
    assertThat(built.out())
        .contains("Step 1/16 : ARG BASE=dfbase:1")
        .contains("Step 6/16 : FROM scratch AS release")
        .contains("Successfully tagged df-app:1");

    JsonNode app = inspect("df-app:1");
    JsonNode config = app.get("Config");
    assertThat(config.at("/Labels/version").asText()).isEqualTo("1.2.3");
    assertThat(config.get("ExposedPorts").has("8080/tcp")).isTrue();
    assertThat(config.get("Volumes").has("/data")).isTrue();
    assertThat(config.get("StopSignal").asText()).isEqualTo("SIGQUIT");
    assertThat(config.at("/Healthcheck/Test").toString()).isEqualTo("[\"CMD\",\"/app/check\"]");
    assertThat(config.at("/Healthcheck/Interval").asLong()).isEqualTo(10_000_000_000L);
    assertThat(config.get("User").asText()).isEqualTo("1000");
    assertThat(app.get("Created").asText()).matches("\\d{4}-\\d\\d-\\d\\dT.*Z");
    assertThat(app.at("/RootFS/Layers")).as("only the release stage's two COPYs").hasSize(2);

    ok("create", "--name", "df-c1", "df-app:1");
    assertThat(ok("fs", "df-c1", "cat", "/app/main.go").out()).isEqualTo("package main\n");
    assertThat(ok("fs", "df-c1", "cat", "/app/os-release").out()).isEqualTo("base-os\n");
    assertThat(exists("df-c1", "/app/keep.log")).as("an exception of .dockerignore").isTrue();
    assertThat(exists("df-c1", "/app/debug.log")).as("**/*.log").isFalse();

    ok("build", "--target", "build", "-t", "df-build:1", ctx.toString());
    assertThat(inspect("df-build:1").at("/Config/Labels/version").asText()).isEqualTo("dev");
    ok("create", "--name", "df-c2", "df-build:1");
    assertThat(exists("df-c2", "/work/src/main.go")).isTrue();
    assertThat(exists("df-c2", "/work/Dockerfile")).isTrue();
    assertThat(exists("df-c2", "/work/secrets")).as("secrets never left the client").isFalse();
    assertThat(exists("df-c2", "/work/.env")).isFalse();
    assertThat(exists("df-c2", "/etc/os-release")).isTrue();

    TestServer.CliRun cached =
        ok("build", "--build-arg", "VERSION=1.2.3", "-t", "df-app:2", ctx.toString());
    assertThat(cached.out()).contains(" ---> Using cache");
    assertThat(inspect("df-app:2").get("Id").asText())
        .as("an unchanged build gives the same image")
        .isEqualTo(app.get("Id").asText());
    TestServer.CliRun fresh =
        ok("build", "--no-cache", "--build-arg", "VERSION=1.2.3", "-t", "df-app:3", ctx.toString());
    assertThat(fresh.out()).doesNotContain("Using cache");
    JsonNode rebuilt = inspect("df-app:3");
    assertThat(rebuilt.get("Id").asText())
        .as("new history times")
        .isNotEqualTo(app.get("Id").asText());
    assertThat(rebuilt.at("/RootFS/Layers/0"))
        .as("the same files, the same first layer")
        .isEqualTo(app.at("/RootFS/Layers/0"));
  }

  @Test
  void refusalsAreOneLineAndLeaveNoImage() throws Exception {
    Path c = Files.createDirectories(dir.resolve("bad"));
    Files.writeString(c.resolve("a.txt"), "a\n");
    String[][] cases = {
      {"FROM scratch\nCOPY <<EOF /etc/motd\nhello\nEOF\n", "line 2", "heredocs"},
      {"FROM dfbase:1\nRUN make\n", "RUN is not supported", "line 2"},
      {"FROM scratch\nCOPY --from=nowhere /a /b\n", "line 2", "--from=nowhere"},
      {"FROM scratch\nSHELL /bin/sh -c\n", "line 2", "JSON form"}
    };
    for (String[] bad : cases) {
      Files.writeString(c.resolve("Dockerfile"), bad[0]);
      TestServer.CliRun r = server.cli("build", "-t", "df-bad:1", c.toString());
      assertThat(r.code()).as(bad[0]).isIn(1, 4);
      assertThat(r.stderr()).startsWith("strata: ").contains(bad[1]).contains(bad[2]);
      assertThat(r.stderr().strip().lines().count()).as(r.stderr()).isEqualTo(1);
      assertThat(server.cli("image", "inspect", "df-bad:1").code()).isEqualTo(4);
    }
    Files.writeString(c.resolve("Dockerfile"), "FROM scratch\nCOPY a.txt /\n");
    assertThat(server.cli("build", "--build-arg", "=x", "-t", "df-bad:1", c.toString()).code())
        .isEqualTo(2);
    TestServer.CliRun target =
        server.cli("build", "--target", "nope", "-t", "df-bad:1", c.toString());
    assertThat(target.code()).isEqualTo(1);
    assertThat(target.stderr()).contains("build target nope");
  }

  /**
   * A multi-stage build over an image imported for it, every image removed: the base imports again
   * (AG1: "snapshot ... exists already" for good), system df shows the stage's layers as Build
   * Cache, and builder prune frees them (AG2: nothing did, nothing showed them).
   */
  @Test
  void aRemovedBaseImportsAgainAndBuilderPruneFreesTheStages() throws Exception {
    Path base = Files.createDirectories(dir.resolve("msbase/etc"));
    Files.writeString(base.resolve("hostname"), "msbase\n");
    ok("image", "import", base.getParent().toString(), "-t", "msbase:1");
    Path c = Files.createDirectories(dir.resolve("msctx"));
    byte[] big = new byte[3 << 20];
    new java.util.Random(11).nextBytes(big);
    Files.write(c.resolve("big.bin"), big);
    Files.writeString(c.resolve("small.txt"), "small\n");
    Files.writeString(
        c.resolve("Dockerfile"),
        "FROM msbase:1 AS stage\nCOPY big.bin /big.bin\nCOPY small.txt /small.txt\n"
            + "FROM msbase:1\nCOPY --from=stage /small.txt /small.txt\n");
    ok("build", "-t", "ms:1", c.toString());
    ok("rmi", "ms:1", "msbase:1");
    ok("gc");
    ok("image", "import", base.getParent().toString(), "-t", "msbase:1");
    ok("rmi", "msbase:1");
    String cache =
        ok("system", "df", "--format", "{{.Type}}={{.TotalCount}}")
            .out()
            .lines()
            .filter(l -> l.startsWith("Build Cache="))
            .findFirst()
            .orElseThrow();
    assertThat(cache).isNotEqualTo("Build Cache=0");
    TestServer.CliRun pruned = ok("builder", "prune", "-f");
    assertThat(pruned.out()).contains("Deleted build cache objects:");
    String reclaimed =
        pruned
            .out()
            .lines()
            .filter(l -> l.startsWith("Total reclaimed space: "))
            .findFirst()
            .orElseThrow();
    assertThat(reclaimed).as("the stage's 3 MiB").matches("Total reclaimed space: [3-9]\\.\\d MiB");
    assertThat(ok("system", "df", "--format", "{{.Type}}={{.Size}}").out())
        .contains("Build Cache=0 B");
    ok("image", "import", base.getParent().toString(), "-t", "msbase:1");
  }
}
