package io.strata.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.strata.protocol.message.Json;
import java.io.ByteArrayInputStream;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Acceptance scenario 10 (objects) against a real stratad, through the real CLI. */
class BlobsIT {
  private static final int TEXT = 8 << 20;
  private static final int RANDOM = 4 << 20;

  @TempDir Path dir;

  private static long stored(TestServer s) throws Exception {
    return json(s.cli("--json", "info")).get("storedBytes").asLong();
  }

  private static JsonNode json(TestServer.CliRun r) throws Exception {
    assertThat(r.code()).as(r.stderr()).isZero();
    return Json.tree(r.stdout(), "cli output");
  }

  private static String put(TestServer s, Path file) {
    TestServer.CliRun r = s.cli("blob", "put", file.toString());
    assertThat(r.code()).as(r.stderr()).isZero();
    return r.out().trim();
  }

  @Test
  void objectsFromPutToGcAndCorruption() throws Exception {
    byte[] text = TestData.text(1, TEXT);
    byte[] random = TestData.random(2, RANDOM);
    byte[] shifted = new byte[TEXT + 100];
    System.arraycopy(text, 0, shifted, 0, 1000);
    System.arraycopy(TestData.random(3, 100), 0, shifted, 1000, 100);
    System.arraycopy(text, 1000, shifted, 1100, TEXT - 1000);
    Path textFile = TestData.write(dir, "text.bin", text);
    Path shiftedFile = TestData.write(dir, "shifted.bin", shifted);
    Path data = dir.resolve("data");

    try (TestServer s = TestServer.start(data)) {
      assertThat(s.cli("info").code()).isZero();
      long base = stored(s);

      String d1 = put(s, textFile);
      assertThat(d1).isEqualTo(TestData.sha256(text));
      Path out = dir.resolve("text.out");
      assertThat(s.cli("blob", "get", d1, "-o", out.toString()).code()).isZero();
      assertThat(Files.readAllBytes(out)).isEqualTo(text);
      TestServer.CliRun toStdout = s.cli("blob", "get", d1);
      assertThat(toStdout.stdout()).isEqualTo(text);
      long after1 = stored(s);
      assertThat(after1 - base).as("compressible text is stored compressed").isLessThan(TEXT);

      assertThat(put(s, textFile)).isEqualTo(d1);
      long after2 = stored(s);
      assertThat(after2 - after1).as("the same content stores nothing new").isLessThan(65536);

      String d2 = put(s, shiftedFile);
      long after3 = stored(s);
      assertThat(after3 - after2).as("content-defined chunks resync").isLessThan(1 << 20);

      TestServer.CliRun fromStdin =
          s.cli(Map.of(), new ByteArrayInputStream(random), "--json", "blob", "put", "-");
      JsonNode putReply = json(fromStdin);
      String d3 = putReply.get("digest").asText();
      assertThat(d3).isEqualTo(TestData.sha256(random));
      assertThat(fieldNames(putReply))
          .containsExactlyInAnyOrder("digest", "size", "newChunks", "newBytes");

      JsonNode stat = json(s.cli("--json", "blob", "stat", d1));
      assertThat(stat.get("size").asLong()).isEqualTo(TEXT);
      assertThat(fieldNames(stat))
          .containsExactlyInAnyOrder("digest", "size", "chunks", "uniqueBytes");

      JsonNode ls = json(s.cli("--json", "blob", "ls"));
      Set<String> listed = new HashSet<>();
      ls.forEach(e -> listed.add(e.get("digest").asText()));
      assertThat(listed).contains(d1, d2, d3);
      assertThat(fieldNames(ls.get(0))).containsExactlyInAnyOrder("digest", "size");

      JsonNode info = json(s.cli("--json", "info"));
      assertThat(info.get("dedupRatio").asDouble()).isGreaterThan(1.5);
      assertThat(fieldNames(info))
          .contains(
              "version",
              "driver",
              "dataRoot",
              "compression",
              "chunks",
              "logicalBytes",
              "storedBytes",
              "indexBytes",
              "dedupRatio",
              "compressionRatio");

      String missing = TestData.sha256("nothing".getBytes());
      TestServer.CliRun notFound = s.cli("blob", "get", missing);
      assertThat(notFound.code()).isEqualTo(4);
      assertThat(notFound.stderr()).startsWith("strata: ").contains(missing);
      Path never = dir.resolve("never.out");
      assertThat(s.cli("blob", "get", missing, "-o", never.toString()).code()).isEqualTo(4);
      try (Stream<Path> files = Files.list(dir)) {
        assertThat(files.map(p -> p.getFileName().toString())).noneMatch(n -> n.contains("never"));
      }
      assertThat(s.cli("blob", "get", "sha256:xyz").code()).isIn(2, 4);
      assertThat(s.cli("blob", "frobnicate").code()).isEqualTo(2);

      s.restart();
      Path shiftedOut = dir.resolve("shifted.out");
      assertThat(s.cli("blob", "get", d2, "-o", shiftedOut.toString()).code()).isZero();
      assertThat(Files.readAllBytes(shiftedOut)).isEqualTo(shifted);
      assertThat(s.cli("fsck").code()).isZero();

      long beforeGc = stored(s);
      assertThat(s.cli("blob", "rm", d1).code()).isZero();
      assertThat(s.cli("blob", "rm", d2).code()).isZero();
      assertThat(s.cli("blob", "rm", d1).code()).isEqualTo(4);
      JsonNode gc = json(s.cli("--json", "gc"));
      assertThat(fieldNames(gc)).containsExactlyInAnyOrder("chunksRemoved", "bytesReclaimed");
      assertThat(gc.get("bytesReclaimed").asLong()).isGreaterThan(4 << 20);
      assertThat(stored(s)).isLessThan(beforeGc - (4 << 20));
      assertThat(s.cli("blob", "get", d3).stdout()).isEqualTo(random);
    }

    flipMiddleByteOfLargestPack(data);
    try (TestServer s = TestServer.start(data)) {
      TestServer.CliRun fsck = s.cli("fsck");
      assertThat(fsck.code()).isEqualTo(1);
      assertThat(fsck.out()).contains("damaged").contains("used by blob sha256:");
      JsonNode report = Json.tree(s.cli("--json", "fsck").stdout(), "fsck");
      assertThat(report.get("damaged")).isNotEmpty();
      assertThat(fieldNames(report.get("damaged").get(0))).contains("digest", "usedBy");
      String d3 = TestData.sha256(random);
      Path bad = dir.resolve("random.bad");
      TestServer.CliRun get = s.cli("blob", "get", d3, "-o", bad.toString());
      assertThat(get.code()).as("a damaged object is never returned as good data").isEqualTo(1);
      assertThat(get.stderr()).startsWith("strata: ");
      assertThat(bad).doesNotExist();
    }
  }

  private static Set<String> fieldNames(JsonNode n) {
    Set<String> names = new HashSet<>();
    n.fieldNames().forEachRemaining(names::add);
    return names;
  }

  private static void flipMiddleByteOfLargestPack(Path data) throws Exception {
    Path victim;
    try (Stream<Path> files = Files.walk(data.resolve("chunks"))) {
      victim =
          files
              .filter(Files::isRegularFile)
              .max(Comparator.comparingLong(p -> p.toFile().length()))
              .orElseThrow();
    }
    try (RandomAccessFile f = new RandomAccessFile(victim.toFile(), "rw")) {
      long mid = f.length() / 2;
      f.seek(mid);
      int b = f.read();
      f.seek(mid);
      f.write(b ^ 0xFF);
    }
  }
}
