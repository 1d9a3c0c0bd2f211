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
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Damage the store must not make worse, and that putting the bytes again mends
 * (docs/ADVERSARIAL.md, P1–P3): a damaged record in the pack a crash left open is not taken for its
 * torn end, gc keeps the only copy of a damaged chunk a root uses, and a put of a damaged chunk's
 * bytes stores it anew rather than deduplicating against the damaged copy.
 */
@Timeout(120)
class DamageRepairTest {
  @TempDir Path data;

  private final Map<Digest, byte[]> objects = new LinkedHashMap<>();

  private Engine open() throws IOException {
    return Engine.open(data, null, ChunkStore.Options.defaults());
  }

  private Path pack() throws IOException {
    Path packs = data.resolve("chunks/packs");
    List<Integer> ids = PackSet.listIds(packs);
    assertThat(ids).as("the objects fill one pack").hasSize(1);
    return packs.resolve(PackFormat.fileName(ids.get(0)));
  }

  @BeforeEach
  void storeSomeObjects() throws IOException {
    try (Engine e = open()) {
      for (int i = 0; i < 12; i++) {
        byte[] b = i % 2 == 0 ? TestData.text(i, 30_000 + i * 9_000) : TestData.random(i, 70_000);
        objects.put(e.blobs().put(new ByteArrayInputStream(b)).digest(), b);
      }
    }
  }

  /** Flips a byte inside the first record's stored bytes. */
  private void damageFirstRecord() throws IOException {
    DurabilityTest.flipByte(pack(), 24 + PackFormat.RECORD_HEADER + 10);
  }

  /** The objects that read back whole; those that fail must fail as damage, never wrong bytes. */
  private List<Digest> readable(Engine e) throws IOException {
    List<Digest> out = new ArrayList<>();
    for (Map.Entry<Digest, byte[]> o : objects.entrySet()) {
      try {
        assertThat(e.blobs().open(o.getKey(), 0, -1).readAllBytes()).isEqualTo(o.getValue());
        out.add(o.getKey());
      } catch (CorruptDataException damaged) {
        // named damage, as it must be
      }
    }
    return out;
  }

  @Test
  void damageInThePackACrashLeftOpenIsKeptNotCutWithEveryRecordAfterIt() throws IOException {
    Path pack = pack();
    try (FileChannel ch = FileChannel.open(pack, StandardOpenOption.WRITE)) {
      ch.truncate(ch.size() - PackFormat.TRAILER_SIZE); // open at the crash: no trailer
    }
    Files.delete(data.resolve("chunks").resolve(ChunkStore.INDEX_FILE)); // scanned from the start
    damageFirstRecord();
    try (Engine e = open()) {
      List<Digest> readable = readable(e);
      assertThat(readable)
          .as("only what the damaged record held is lost, not everything after it")
          .hasSize(objects.size() - 1);
      FsckReport r = e.fsck();
      assertThat(r.damaged()).isNotEmpty();
      assertThat(r.notes())
          .anySatisfy(n -> assertThat(n).contains(pack.getFileName().toString(), "kept as damage"));
    }
  }

  @Test
  void gcKeepsThePackOfADamagedChunkARootStillUses() throws IOException {
    damageFirstRecord();
    Digest survivor;
    try (Engine e = open()) {
      List<Digest> readable = readable(e);
      assertThat(readable).hasSize(objects.size() - 1);
      survivor = readable.get(readable.size() - 1);
      for (Digest d : readable) {
        if (!d.equals(survivor)) {
          e.blobs().remove(d); // the pack mostly dead: gc rewrites it
        }
      }
      e.gc();
      assertThat(e.blobs().open(survivor, 0, -1).readAllBytes()).isEqualTo(objects.get(survivor));
      FsckReport r = e.fsck();
      assertThat(r.damaged())
          .isNotEmpty()
          .allSatisfy(d -> assertThat(d.problem()).contains("fails its checksum"));
    }
  }

  @Test
  void puttingADamagedChunksBytesAgainMendsEveryObjectThatUsesIt() throws IOException {
    damageFirstRecord();
    Digest victim;
    try (Engine e = open()) {
      List<Digest> readable = readable(e);
      victim =
          objects.keySet().stream().filter(d -> !readable.contains(d)).findFirst().orElseThrow();
      // Its bytes put again (a user's re-push): acknowledged, the object reads back whole.
      e.blobs().put(new ByteArrayInputStream(objects.get(victim)));
      assertThat(readable(e)).as("the damaged object is mended").hasSize(objects.size());
      e.gc();
      assertThat(e.fsck().damaged()).as("the damaged record is gone with gc").isEmpty();
    }
  }

  @Test
  void damageFoundByFsckIsRememberedAcrossARestart() throws IOException {
    damageFirstRecord();
    try (Engine e = open()) {
      assertThat(e.fsck().damaged()).isNotEmpty();
    }
    try (Engine e = open()) { // no read of the damage since the restart
      for (Map.Entry<Digest, byte[]> o : objects.entrySet()) {
        e.blobs().put(new ByteArrayInputStream(o.getValue()));
      }
      assertThat(readable(e)).hasSize(objects.size());
      assertThat(e.fsck().damaged()).isEmpty();
    }
  }

  /**
   * The open pack's file removed while the store runs (an operator clearing "stale" files): what
   * was appended to it, acknowledged puts among them, is put back at the next sync, not lost at the
   * next start (docs/ADVERSARIAL.md, P11).
   */
  @Test
  void anOpenPackRemovedWhileTheStoreRunsIsPutBack() throws IOException {
    Map<Digest, byte[]> later = new LinkedHashMap<>();
    try (Engine e = open()) {
      byte[] first = TestData.random(101, 200_000);
      later.put(e.blobs().put(new ByteArrayInputStream(first)).digest(), first);
      Path packs = data.resolve("chunks/packs");
      List<Integer> ids = PackSet.listIds(packs);
      Files.delete(packs.resolve(PackFormat.fileName(ids.get(ids.size() - 1))));
      byte[] second = TestData.text(102, 300_000);
      later.put(e.blobs().put(new ByteArrayInputStream(second)).digest(), second);
    }
    try (Engine e = open()) {
      for (Map.Entry<Digest, byte[]> o : later.entrySet()) {
        assertThat(e.blobs().open(o.getKey(), 0, -1).readAllBytes()).isEqualTo(o.getValue());
      }
      assertThat(readable(e)).hasSize(objects.size());
      assertThat(e.fsck().damaged()).isEmpty();
    }
  }
}
