package io.strata.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.strata.protocol.message.Json;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * fsck and reads of a damaged data root, against a real stratad through the real CLI (round 8, P5,
 * P7, P10): what the open mended is a note, in text and JSON; damage names the images and
 * containers it affects as the user knows them; a read names the container, the file, the pack and
 * the offset, in the damage's own words.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class FsckIT {
  @TempDir Path dir;

  private static String ok(TestServer s, String... args) {
    TestServer.CliRun r = s.cli(args);
    assertThat(r.code()).as("strata %s: %s", String.join(" ", args), r.stderr()).isZero();
    return r.out();
  }

  /** Flips every bit of the byte at {@code at} of {@code file}. */
  private static void flip(Path file, long at) throws Exception {
    try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
      f.seek(at);
      int b = f.read();
      f.seek(at);
      f.write(b ^ 0xFF);
    }
  }

  @Test
  void aRootLogRecordMendedAtOpenIsANoteInTextAndJson() throws Exception {
    Path data = dir.resolve("data");
    try (TestServer s = TestServer.start(data)) {
      ok(s, "blob", "put", TestData.write(dir, "a", TestData.text(1, 100_000)).toString());
    }
    flip(data.resolve("chunks/roots.log"), 24 + 40); // inside the first record
    try (TestServer s = TestServer.start(data)) {
      TestServer.CliRun text = s.cli("fsck");
      assertThat(text.code()).as(text.stderr()).isZero();
      assertThat(text.out())
          .containsPattern(
              "(?m)^note: root log .*roots\\.log: the record at offset \\d+ is damaged")
          .contains("no damage, 1 note above");
      JsonNode json = Json.tree(s.cli("--json", "fsck").stdout(), "fsck");
      assertThat(json.get("damaged")).isEmpty();
      assertThat(json.get("notes")).hasSize(1);
      assertThat(json.get("notes").get(0).asText()).contains("roots.log").contains("offset");
    }
  }

  @Test
  void damageNamesTheImageTagsAndTheContainerAndReadsNameTheFile() throws Exception {
    Path tree = dir.resolve("tree");
    Files.createDirectories(tree.resolve("data"));
    Files.write(tree.resolve("data/big.bin"), TestData.random(5, 3 << 20));
    Path data = dir.resolve("data");
    String id;
    try (TestServer s = TestServer.start(data)) {
      ok(s, "image", "import", tree.toString(), "-t", "app:1");
      ok(s, "image", "tag", "app:1", "app:stable");
      id = ok(s, "create", "--name", "c1", "app:1").trim();
    }
    Path pack;
    try (Stream<Path> packs = Files.list(data.resolve("chunks/packs"))) {
      pack = packs.max(Comparator.comparingLong(p -> p.toFile().length())).orElseThrow();
    }
    flip(pack, Files.size(pack) / 2); // inside big.bin's chunks, most of the pack
    String container = "container c1 (" + id.substring(0, 12) + ")";
    try (TestServer s = TestServer.start(data)) {
      // the server's log says it too (W2: an fsck that found damage was logged as any other)
      List<String> warnings = new java.util.concurrent.CopyOnWriteArrayList<>();
      java.util.logging.Logger jul =
          java.util.logging.Logger.getLogger("io.strata.server.op.StoreOperations");
      java.util.logging.Handler h =
          new java.util.logging.Handler() {
            @Override
            public void publish(java.util.logging.LogRecord r) {
              if (r.getLevel() == java.util.logging.Level.WARNING) {
                warnings.add(java.text.MessageFormat.format(r.getMessage(), r.getParameters()));
              }
            }

            @Override
            public void flush() {}

            @Override
            public void close() {}
          };
      jul.addHandler(h);
      TestServer.CliRun text;
      try {
        text = s.cli("fsck");
      } finally {
        jul.removeHandler(h);
      }
      assertThat(warnings)
          .anySatisfy(w -> assertThat(w).startsWith("fsck found ").contains(container));
      assertThat(text.code()).isEqualTo(1);
      assertThat(text.out())
          .contains("  used by image app:1\n", "  used by image app:stable\n")
          .contains("  used by " + container + "\n")
          .contains("\nto mend: put, import or pull the same content again")
          .doesNotContain("snap/", "img/", "ctr-");
      JsonNode report = Json.tree(s.cli("--json", "fsck").stdout(), "fsck");
      assertThat(report.get("damaged")).isNotEmpty();
      for (JsonNode d : report.get("damaged")) {
        List<String> usedBy = new ArrayList<>();
        d.get("usedBy").forEach(u -> usedBy.add(u.asText()));
        assertThat(usedBy).containsExactly(container, "image app:1", "image app:stable");
      }

      TestServer.CliRun cat = s.cli("fs", "c1", "cat", "/data/big.bin");
      assertThat(cat.code()).isEqualTo(1);
      assertThat(cat.stderr())
          .matches("strata: container c1: /data/big\\.bin: pack \\d{8}\\.pack offset \\d+: .*\n");
      TestServer.CliRun cp = s.cli("cp", "c1:/data", dir.resolve("out").toString());
      assertThat(cp.code()).isEqualTo(1);
      assertThat(cp.stderr()).startsWith("strata: container c1: /data/big.bin: pack ");
      TestServer.CliRun export =
          s.cli("image", "export", "app:1", "-o", dir.resolve("app.oci").toString());
      assertThat(export.code()).isEqualTo(1);
      assertThat(export.stderr())
          .as("named by the image and the layer the damage hit, then in the damage's own words")
          .startsWith("strata: image app:1: layer ")
          .contains(".pack offset ")
          .doesNotContain("I/O error", "Exception");
    }
  }
}
