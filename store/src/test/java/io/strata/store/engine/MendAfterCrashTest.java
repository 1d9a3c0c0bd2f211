package io.strata.store.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.strata.store.Engine;
import io.strata.store.digest.Digest;
import io.strata.store.error.CorruptDataException;
import io.strata.store.pack.PackFormat;
import io.strata.store.pack.PackSet;
import io.strata.store.testing.TestData;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A mend (a damaged chunk stored anew under its id) survives a crash before the next index
 * checkpoint, and gc then keeps the new record, not the damaged one (docs/ADVERSARIAL.md, S4).
 */
@Timeout(120)
class MendAfterCrashTest {
  @TempDir Path data;

  private final Map<Digest, byte[]> objects = new LinkedHashMap<>();

  private Engine open() throws IOException {
    return Engine.open(data, null, ChunkStore.Options.defaults());
  }

  private Path packs() {
    return data.resolve("chunks/packs");
  }

  @BeforeEach
  void storeSomeObjects() throws IOException {
    try (Engine e = open()) {
      for (int i = 0; i < 6; i++) {
        byte[] b = i % 2 == 0 ? TestData.text(i, 30_000 + i * 9_000) : TestData.random(i, 70_000);
        objects.put(e.blobs().put(new ByteArrayInputStream(b)).digest(), b);
      }
    }
    List<Integer> ids = PackSet.listIds(packs());
    assertThat(ids).as("the objects fill one pack").hasSize(1);
    // A byte of the first record's stored bytes.
    DurabilityTest.flipByte(
        packs().resolve(PackFormat.fileName(ids.get(0))), 24 + PackFormat.RECORD_HEADER + 10);
  }

  private Digest damagedObject(Engine e) throws IOException {
    Digest found = null;
    for (Map.Entry<Digest, byte[]> o : objects.entrySet()) {
      try {
        e.blobs().open(o.getKey(), 0, -1).readAllBytes();
      } catch (CorruptDataException damaged) {
        found = o.getKey();
      }
    }
    assertThat(found).as("the flipped byte damages an object").isNotNull();
    return found;
  }

  @Test
  void aMendSurvivesACrashBeforeTheNextCheckpointAndGcKeepsTheNewRecord() throws IOException {
    Digest victim;
    try (Engine e = open()) {
      victim = damagedObject(e);
    }
    Path index = data.resolve("chunks").resolve(ChunkStore.INDEX_FILE);
    Path before = data.resolve("index-before-the-mend");
    Files.copy(index, before);
    try (Engine e = open()) {
      e.blobs().put(new ByteArrayInputStream(objects.get(victim)));
      assertThat(e.blobs().open(victim, 0, -1).readAllBytes()).isEqualTo(objects.get(victim));
    }
    // A kill -9 after the mend: the checkpoint still places the chunk in its damaged record, and
    // the pack the mend went to is open, with no trailer.
    Files.move(before, index, StandardCopyOption.REPLACE_EXISTING);
    List<Integer> ids = PackSet.listIds(packs());
    try (FileChannel ch =
        FileChannel.open(
            packs().resolve(PackFormat.fileName(ids.get(ids.size() - 1))),
            StandardOpenOption.WRITE)) {
      ch.truncate(ch.size() - PackFormat.TRAILER_SIZE);
    }
    try (Engine e = open()) {
      assertThat(e.blobs().open(victim, 0, -1).readAllBytes())
          .as("the mend is not lost to the checkpoint's damaged record")
          .isEqualTo(objects.get(victim));
      e.gc();
      for (Map.Entry<Digest, byte[]> o : objects.entrySet()) {
        assertThat(e.blobs().open(o.getKey(), 0, -1).readAllBytes()).isEqualTo(o.getValue());
      }
      assertThat(e.fsck().damaged()).as("gc reclaimed the damaged record, not the mend").isEmpty();
    }
  }
}
