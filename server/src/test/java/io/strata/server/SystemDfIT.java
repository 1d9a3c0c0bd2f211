package io.strata.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.withinPercentage;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.strata.store.testing.TestData;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code system df} against a real stratad through the real CLI (docs/ADVERSARIAL.md, W5): the
 * containers' RECLAIMABLE is what removing them and a gc really free, though a commit and another
 * container share their changes; {@code -v} shows what the registry and containerd hold.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class SystemDfIT {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path dir;

  private static TestServer.CliRun ok(TestServer s, String... args) {
    TestServer.CliRun r = s.cli(args);
    assertThat(r.code()).as("strata %s: %s", String.join(" ", args), r.stderr()).isZero();
    return r;
  }

  private static JsonNode json(TestServer s, String... args) throws IOException {
    String[] all = new String[args.length + 1];
    all[0] = "--json";
    System.arraycopy(args, 0, all, 1, args.length);
    return JSON.readTree(ok(s, all).stdout());
  }

  @Test
  void containersReclaimableIsWhatRmAndGcFree() throws Exception {
    Path base = Files.createDirectories(dir.resolve("base/etc"));
    Files.writeString(base.resolve("hostname"), "base\n");
    Path file = dir.resolve("data.bin");
    Files.write(file, TestData.random(51, 2 << 20));
    Path shared = dir.resolve("shared.bin");
    Files.write(shared, TestData.random(52, 1 << 20));
    try (TestServer s = TestServer.start(dir.resolve("root"), "btrfs", List.of())) {
      ok(s, "image", "import", dir.resolve("base").toString(), "-t", "base:1");
      ok(s, "create", "--name", "kept", "base:1");
      ok(s, "cp", file.toString(), "kept:/data.bin");
      ok(s, "commit", "kept", "kept:1");
      // two containers holding the same file, which nothing else holds: reclaimable together
      ok(s, "create", "--name", "one", "kept:1");
      ok(s, "create", "--name", "two", "kept:1");
      ok(s, "cp", shared.toString(), "one:/shared.bin");
      ok(s, "cp", shared.toString(), "two:/shared.bin");
      ok(s, "gc"); // what was garbage already is not the removal's to free

      long started = System.nanoTime();
      JsonNode df = json(s, "system", "df");
      long took = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
      JsonNode containers = df.get("containers");
      long reclaimable = containers.get("reclaimable").asLong();
      assertThat(containers.get("size").asLong()).isGreaterThanOrEqualTo((2 << 20) + (2 << 20));
      assertThat(reclaimable)
          .as("the commit keeps kept's file; one and two hold theirs only together")
          .isBetween(1L << 20, (1L << 20) + (256 << 10));

      ok(s, "rm", "kept", "one", "two");
      JsonNode gc = json(s, "gc");
      // gc counts the pack files' shrinkage, framing included; df the chunks' pack bytes
      assertThat(gc.get("bytesReclaimed").asLong()).isCloseTo(reclaimable, withinPercentage(1));
      assertThat(took)
          .as("system df on a small store, in ms (a CLI start included)")
          .isLessThan(5000);

      String verbose = ok(s, "system", "df", "-v").out();
      assertThat(verbose)
          .contains("Registry space usage:")
          .contains("Containerd space usage:")
          .startsWith("TYPE");
      assertThat(verbose.lines().limit(4))
          .extracting(l -> l.split("\\s{2,}")[0])
          .containsExactly("TYPE", "Images", "Containers", "Local Volumes");
      // what no prune of Strata's frees is not called reclaimable (Y2, session 26)
      assertThat(verbose.lines().filter(l -> l.startsWith("RECORDS")))
          .hasSize(3) // registry, containerd, plain blobs
          .allSatisfy(
              l -> assertThat(l.split("\\s{2,}")).containsExactly("RECORDS", "SIZE", "EXCLUSIVE"));
      JsonNode dfv = json(s, "system", "df", "-v");
      assertThat(dfv.get("containerd").has("exclusive")).isTrue();
      assertThat(dfv.get("registry").has("reclaimable")).isFalse();

      // a plain blob is no registry's space on a server without one (AG6, session 29)
      Path plain = dir.resolve("plain.bin"); // shares nothing with the images
      Files.write(plain, TestData.random(53, 1 << 20));
      ok(s, "blob", "put", plain.toString());
      dfv = json(s, "system", "df", "-v");
      assertThat(dfv.get("registry").get("records").asLong()).isZero();
      assertThat(dfv.get("blobs").get("records").asLong()).isEqualTo(1);
      assertThat(dfv.get("blobs").get("exclusive").asLong()).isGreaterThanOrEqualTo(1 << 20);
      assertThat(ok(s, "system", "df", "-v").out()).contains("Blobs space usage:");
    }
  }
}
