package io.strata.store.container;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.strata.store.error.CorruptDataException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Container records carry a checksum: damage that leaves them valid JSON is refused at load, as a
 * record that is not JSON is, and records written before checksums existed still load.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ContainerRecordsTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String ID =
      "bfaf5e64fcfa20bcb2a456069f3508b9e9eebd8a7d26b37642e6f60b8afd47e9";

  /** A record as the release before checksums wrote it (the tester's, byte for byte). */
  private static final String UNSEALED =
      """
      {
        "id" : "%s",
        "name" : "c1",
        "image" : "tree:1",
        "imageId" : "sha256:c9e720d2522c386db2dc76601a2c85694675c5643d37d629dc9c6b06ac11e4e6",
        "parentLayer" : "sha256:bca0c7a80bb63b250853fae58c111bf1e04e870d20f7fc007a7de17c356d961b",
        "created" : "2026-12-06T15:36:52.519748074Z",
        "mounts" : [ ],
        "settings" : {
          "env" : [ ],
          "labels" : { },
          "workingDir" : null
        }
      }"""
          .formatted(ID);

  @TempDir Path dir;

  private static ContainerConfig config(String id, String name) {
    return new ContainerConfig(
        id,
        name,
        "tree:1",
        "sha256:" + "c9".repeat(32),
        "sha256:" + "bc".repeat(32),
        "2026-12-06T15:36:52Z",
        List.of(new Mount(Mount.VOLUME, "vol", "/data", true, false)),
        new ContainerSettings(
            List.of("A=1"), Map.of("checksum", "a label may use the name"), "/w"));
  }

  private Path file(String id) {
    return dir.resolve(id).resolve("config.json");
  }

  @Test
  void aRecordCarriesItsChecksumLastAndStaysJson() throws IOException {
    ContainerRecords records = new ContainerRecords(dir);
    ContainerConfig c = config(ID, "c1");
    records.put(c);
    byte[] b = Files.readAllBytes(file(ID));
    JsonNode tree = JSON.readTree(b);
    List<String> names = new ArrayList<>();
    tree.fieldNames().forEachRemaining(names::add);
    assertThat(names)
        .containsExactly(
            "id",
            "name",
            "image",
            "imageId",
            "parentLayer",
            "created",
            "mounts",
            "settings",
            "checksum");
    assertThat(tree.path("checksum").asText()).matches("crc32c:[0-9a-f]{8}");
    assertThat(new String(b, StandardCharsets.UTF_8)).endsWith("\"\n}\n");
    assertThat(new ContainerRecords(dir).load()).containsExactly(Map.entry(ID, c));
  }

  @Test
  void everyOneBitFlipOfARecordIsRefusedNamingTheContainer() throws IOException {
    new ContainerRecords(dir).put(config(ID, "c1"));
    byte[] good = Files.readAllBytes(file(ID));
    for (int i = 0; i < good.length; i++) {
      for (int bit = 0; bit < 8; bit++) {
        byte[] b = good.clone();
        b[i] ^= (byte) (1 << bit);
        Files.write(file(ID), b);
        int at = i;
        int flipped = bit;
        assertThatThrownBy(() -> new ContainerRecords(dir).load())
            .as("bit %d of byte %d ('%c')", flipped, at, (char) good[at])
            .isInstanceOfSatisfying(
                CorruptDataException.class,
                e -> {
                  assertThat(e.resource()).isEqualTo(ID);
                  assertThat(e.getMessage())
                      .startsWith("container " + ID + ": damaged " + file(ID))
                      .doesNotContain("\n");
                });
      }
    }
    Files.write(file(ID), good);
    assertThat(new ContainerRecords(dir).load()).containsKey(ID);
  }

  @Test
  void aRecordWithoutAChecksumLoadsAndIsRewrittenWithOne() throws IOException {
    Files.createDirectories(file(ID).getParent());
    Files.writeString(file(ID), UNSEALED);
    Map<String, ContainerConfig> loaded = new ContainerRecords(dir).load();
    assertThat(loaded.get(ID).name()).isEqualTo("c1");
    String now = Files.readString(file(ID));
    assertThat(JSON.readTree(now).path("checksum").asText()).startsWith("crc32c:");
    // now a flip in its name, which nothing else could tell, is found
    Files.writeString(file(ID), now.replace("\"c1\"", "\"c0\""));
    assertThatThrownBy(() -> new ContainerRecords(dir).load())
        .isInstanceOf(CorruptDataException.class)
        .hasMessageContaining("does not match its content's");
  }

  @Test
  void aRecordWithoutAChecksumIsRefusedWhenItsIdIsNotItsFolderOrAMemberIsUnknown()
      throws IOException {
    Files.createDirectories(file(ID).getParent());
    // the tester's flip: bit 1 of byte 20, in the id, which stays 64 hex digits
    byte[] b = UNSEALED.getBytes(StandardCharsets.UTF_8);
    b[20] ^= 2;
    Files.write(file(ID), b);
    assertThatThrownBy(() -> new ContainerRecords(dir).load())
        .isInstanceOfSatisfying(
            CorruptDataException.class, e -> assertThat(e.resource()).isEqualTo(ID))
        .hasMessageContaining("is not its folder's name");
    assertThat(Files.readAllBytes(file(ID))).as("left as it was").isEqualTo(b);
    Files.writeString(file(ID), UNSEALED.replace("\"name\"", "\"nbme\""));
    assertThatThrownBy(() -> new ContainerRecords(dir).load())
        .isInstanceOf(CorruptDataException.class)
        .hasMessageContaining("nbme");
  }

  @Test
  void aDamagedRecordStopsTheStoreAndLeavesTheContainersWritableLayer() throws IOException {
    Path base = Files.createDirectories(dir.resolve("base/etc"));
    Files.writeString(base.resolve("f"), "image\n");
    try (ContainerFixture fix = new ContainerFixture(dir.resolve("data"), List.of())) {
      fix.images().importPath(base.getParent().toString(), "base:1");
      String id = fix.containers().create("base:1", "c1", List.of());
      byte[] written = "written\n".getBytes(StandardCharsets.UTF_8);
      fix.containers().view("c1").write("/etc/new", 0, written, 0, written.length);
      Path f = fix.dataRoot().resolve("containers").resolve(id).resolve("config.json");
      String good = Files.readString(f);
      Files.writeString(f, good.replace("\"c1\"", "\"c0\""));
      assertThatThrownBy(fix::reopen)
          .isInstanceOfSatisfying(
              CorruptDataException.class, e -> assertThat(e.resource()).isEqualTo(id));
      List<String> snapshots = new ArrayList<>();
      fix.driver().walk(s -> snapshots.add(s.key()));
      assertThat(snapshots).contains(ContainerStore.SNAPSHOT_PREFIX + id);
      // mended from a copy, the container is back with what was written to it
      Files.writeString(f, good);
      ContainerStore again = fix.reopen();
      assertThat(again.list()).extracting(ContainerSummary::name).containsExactly("c1");
      try (InputStream in = again.view("c1").open("/etc/new")) {
        assertThat(new String(in.readAllBytes(), StandardCharsets.UTF_8)).isEqualTo("written\n");
      }
    }
  }
}
