package io.strata.store.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.strata.store.Engine;
import io.strata.store.digest.Digest;
import io.strata.store.error.CorruptDataException;
import io.strata.store.pack.PackFormat;
import io.strata.store.pack.PackScanner;
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
 * Damage that recovery finds while it rebuilds the index, or in the pack a crash left open, is
 * mended by a put of the chunk's bytes under the id the roots name, where the damaged record still
 * names it; where it does not, fsck says what a user must do (docs/ADVERSARIAL.md, S1). A used
 * chunk's record cut as the torn end of that pack is said, not cut silently (S7).
 */
@Timeout(120)
class UnindexedDamageTest {
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
      for (int i = 0; i < 8; i++) {
        byte[] b = i % 2 == 0 ? TestData.text(i, 30_000 + i * 9_000) : TestData.random(i, 70_000);
        objects.put(e.blobs().put(new ByteArrayInputStream(b)).digest(), b);
      }
    }
  }

  /** The objects that read back whole; the others must fail as damage, never wrong bytes. */
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

  private Digest victim(Engine e) throws IOException {
    List<Digest> readable = readable(e);
    assertThat(readable).hasSize(objects.size() - 1);
    return objects.keySet().stream().filter(d -> !readable.contains(d)).findFirst().orElseThrow();
  }

  /** The index lost and, when {@code open}, the pack's trailer too (the pack a crash left open). */
  private void loseIndex(boolean open) throws IOException {
    if (open) {
      try (FileChannel ch = FileChannel.open(pack(), StandardOpenOption.WRITE)) {
        ch.truncate(ch.size() - PackFormat.TRAILER_SIZE);
      }
    }
    Files.delete(data.resolve("chunks").resolve(ChunkStore.INDEX_FILE));
  }

  /**
   * Mends the victim with a put of its bytes and checks that it stays mended past gc and a start.
   */
  private void putMendsUnderTheSameId() throws IOException {
    try (Engine e = open()) {
      Digest victim = victim(e);
      e.blobs().put(new ByteArrayInputStream(objects.get(victim)));
      assertThat(readable(e)).as("the put mends the object the roots name").hasSize(objects.size());
      e.gc();
      assertThat(readable(e)).as("gc does not undo the mend").hasSize(objects.size());
      assertThat(e.fsck().damaged()).isEmpty();
    }
    try (Engine e = open()) {
      assertThat(readable(e)).hasSize(objects.size());
    }
  }

  @Test
  void damageKeptInThePackACrashLeftOpenIsMendedByAPutOfItsBytes() throws IOException {
    loseIndex(true);
    DurabilityTest.flipByte(pack(), PackFormat.HEADER_SIZE + PackFormat.RECORD_HEADER + 10);
    putMendsUnderTheSameId();
  }

  @Test
  void damageMetByAnIndexRebuildIsMendedByAPutOfItsBytes() throws IOException {
    loseIndex(false);
    DurabilityTest.flipByte(pack(), PackFormat.HEADER_SIZE + PackFormat.RECORD_HEADER + 10);
    putMendsUnderTheSameId();
  }

  @Test
  void aDamagedRecordThatNoLongerNamesItsChunkGetsFsckAdviceThatWorks() throws IOException {
    loseIndex(false);
    DurabilityTest.flipByte(pack(), PackFormat.HEADER_SIZE); // its record magic
    try (Engine e = open()) {
      Digest victim = victim(e);
      assertThat(e.fsck().damaged())
          .singleElement()
          .satisfies(
              d ->
                  assertThat(d.problem())
                      .contains("does not mend it", "blob rm", "gc, then put or import it again"));
      // What fsck says to do.
      e.blobs().remove(victim);
      e.gc();
      e.blobs().put(new ByteArrayInputStream(objects.get(victim)));
      assertThat(readable(e)).hasSize(objects.size());
      assertThat(e.fsck().damaged()).isEmpty();
    }
  }

  @Test
  void aUsedRecordCutAsTheTornEndOfTheOpenPackIsAWarningAndAnFsckNote() throws IOException {
    loseIndex(true);
    long[] last = {0};
    PackScanner.scan(pack(), PackFormat.HEADER_SIZE, (h, offset, buf, off) -> last[0] = offset);
    DurabilityTest.flipByte(pack(), last[0] + PackFormat.RECORD_HEADER + 10);
    try (Engine e = open()) {
      assertThat(readable(e)).hasSize(objects.size() - 1);
      assertThat(e.fsck().notes())
          .anySatisfy(
              n ->
                  assertThat(n)
                      .contains(pack().getFileName().toString(), "torn end", "a root uses chunk"));
    }
  }

  /**
   * A cut record that was a copy of a chunk held intact before it (gc's repack of a live chunk, cut
   * short by a kill) lost nothing: recovery says the cut, not damage to an acknowledged record,
   * which fsck then did not find (docs/ADVERSARIAL.md, W1).
   */
  @Test
  void aCopyCutAsTheTornEndWhoseOriginalIsIntactIsNoDamage() throws IOException {
    loseIndex(true);
    List<Long> offsets = new ArrayList<>();
    PackScanner.scan(pack(), PackFormat.HEADER_SIZE, (h, offset, buf, off) -> offsets.add(offset));
    byte[] first;
    try (FileChannel ch = FileChannel.open(pack(), StandardOpenOption.READ)) {
      java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate((int) (offsets.get(1) - offsets.get(0)));
      ch.read(b, offsets.get(0));
      first = b.array();
    }
    long copyAt = Files.size(pack());
    Files.write(pack(), first, StandardOpenOption.APPEND);
    DurabilityTest.flipByte(pack(), copyAt + PackFormat.RECORD_HEADER + 10);
    try (Engine e = open()) {
      assertThat(readable(e)).hasSize(objects.size());
      assertThat(e.fsck().notes()).noneSatisfy(n -> assertThat(n).contains("a root uses chunk"));
      assertThat(e.fsck().damaged()).isEmpty();
    }
  }
}
