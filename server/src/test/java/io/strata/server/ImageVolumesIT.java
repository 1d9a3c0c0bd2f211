package io.strata.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.strata.protocol.message.Json;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * F18 through a real stratad and the CLI: an image's {@code VOLUME} is an anonymous volume at
 * {@code create}, filled from the image and shown in inspect's {@code Mounts}; {@code commit}
 * leaves out what the container wrote there; a new named volume over an image directory starts with
 * its files, and {@code nocopy} keeps it empty.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class ImageVolumesIT {
  @TempDir Path dir;
  private TestServer server;

  @BeforeEach
  void start() throws Exception {
    server = TestServer.start(dir.resolve("data"));
    Path base = Files.createDirectories(dir.resolve("base/olddir/sub"));
    Files.writeString(base.resolve("x"), "in sub\n");
    Files.writeString(base.getParent().resolve("a"), "alpha\n");
    ok("image", "import", dir.resolve("base").toString(), "-t", "base:1");
    Path ctx = Files.createDirectories(dir.resolve("bctx/d"));
    Files.writeString(ctx.resolve("f"), "content\n");
    Files.writeString(
        ctx.getParent().resolve("Dockerfile"), "FROM base:1\nCOPY d /appdata\nVOLUME /appdata\n");
    ok("build", "-t", "volimg:1", ctx.getParent().toString());
  }

  @AfterEach
  void stop() {
    if (server != null) {
      server.close();
    }
  }

  private TestServer.CliRun ok(String... args) {
    return in(new byte[0], args);
  }

  private TestServer.CliRun in(byte[] stdin, String... args) {
    TestServer.CliRun r = server.cli(Map.of(), new ByteArrayInputStream(stdin), args);
    assertThat(r.code()).as("strata %s: %s", String.join(" ", args), r.stderr()).isZero();
    return r;
  }

  private List<String> ls(String container, String path) {
    return ok("fs", container, "ls", path).out().lines().map(String::strip).toList();
  }

  private JsonNode mounts(String container) throws IOException {
    return Json.tree(ok("inspect", container).stdout(), "inspect").get(0).get("Mounts");
  }

  @Test
  void anImageVolumeIsAnAnonymousVolumeFilledFromTheImageAndLeftOutOfACommit() throws Exception {
    ok("create", "--name", "vva", "-v", "volxa:/olddir", "volimg:1");
    assertThat(ls("vva", "/olddir"))
        .as("a new volume starts with the image's files")
        .anyMatch(l -> l.endsWith("a"))
        .anyMatch(l -> l.endsWith("sub"));
    assertThat(ok("fs", "vva", "cat", "/olddir/sub/x").out()).isEqualTo("in sub\n");

    JsonNode mounts = mounts("vva");
    List<String> destinations = new ArrayList<>();
    mounts.forEach(m -> destinations.add(m.get("Destination").asText()));
    assertThat(destinations).containsExactlyInAnyOrder("/olddir", "/appdata");
    JsonNode app = null;
    for (JsonNode m : mounts) {
      if (m.get("Destination").asText().equals("/appdata")) {
        app = m;
      }
    }
    assertThat(app.get("Type").asText()).isEqualTo("volume");
    assertThat(app.get("Name").asText()).matches("[0-9a-f]{64}");
    Path appData = Path.of(app.get("Source").asText());
    assertThat(Files.readString(appData.resolve("f"))).isEqualTo("content\n");

    in("hi\n".getBytes(StandardCharsets.UTF_8), "fs", "vva", "write", "/appdata/new");
    assertThat(Files.readString(appData.resolve("new"))).isEqualTo("hi\n");
    ok("commit", "vva", "vvca:1");
    ok("create", "--name", "vvda", "-v", "/appdata:nocopy", "vvca:1");
    assertThat(ls("vvda", "/appdata")).as("what the container wrote in its volume").isEmpty();
    ok("create", "--name", "vvea", "vvca:1");
    assertThat(ls("vvea", "/appdata"))
        .as("the committed image's own volume starts with the image's files only")
        .hasSize(1)
        .allMatch(l -> l.endsWith("f"));

    ok("create", "--name", "nc", "-v", "volnc:/olddir:nocopy", "volimg:1");
    assertThat(ls("nc", "/olddir")).isEmpty();

    String anon = app.get("Name").asText();
    ok("rm", "-v", "vva");
    assertThat(ok("volume", "ls", "-q").out().lines()).doesNotContain(anon).contains("volxa");
  }
}
