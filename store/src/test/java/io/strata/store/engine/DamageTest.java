package io.strata.store.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.strata.store.Engine;
import io.strata.store.digest.Digest;
import io.strata.store.error.CorruptDataException;
import io.strata.store.pack.PackFormat;
import io.strata.store.pack.PackSet;
import io.strata.store.ref.RootLog;
import io.strata.store.testing.TestData;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
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
 * The damage matrix of the chunk store's files (docs/FORMAT.md, "Damage"): each file flipped, cut
 * and deleted, and what opening, reading and fsck then do. The root log is the catalogue: damage in
 * one copy is mended from the other; damage that no copy can mend refuses to open, naming the file,
 * rather than show an empty store that GC would then wipe.
 */
@Timeout(120)
class DamageTest {
  @TempDir Path data;

  private final Map<Digest, byte[]> objects = new LinkedHashMap<>();

  private Engine open() throws IOException {
    return Engine.open(data, null, ChunkStore.Options.defaults());
  }

  private Path chunks(String name) {
    return data.resolve("chunks").resolve(name);
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

  private void assertEverythingReadsBack(Engine e) throws IOException {
    assertThat(e.blobs().list()).hasSize(objects.size());
    for (Map.Entry<Digest, byte[]> o : objects.entrySet()) {
      assertThat(e.blobs().open(o.getKey(), 0, -1).readAllBytes()).isEqualTo(o.getValue());
    }
  }

  /** Opens, checks every object and fsck, and returns fsck's notes. */
  private List<String> openAndCheck() throws IOException {
    try (Engine e = open()) {
      assertEverythingReadsBack(e);
      FsckReport r = e.fsck();
      assertThat(r.damaged()).isEmpty();
      return r.notes();
    }
  }

  private long firstRecordOffset() {
    return 24; // the version 2 header
  }

  @Test
  void aFlippedByteInOneCopyOfTheRootLogIsMendedFromTheOther() throws IOException {
    DurabilityTest.flipByte(chunks(RootLog.FILE), firstRecordOffset() + 40);
    assertThat(openAndCheck())
        .anySatisfy(n -> assertThat(n).contains(RootLog.FILE).contains("offset 24"));
    // The damaged copy was rewritten: the next open has nothing to mend.
    assertThat(openAndCheck()).isEmpty();
  }

  @Test
  void aFlippedByteInTheMirrorIsMendedFromTheFirstCopy() throws IOException {
    DurabilityTest.flipByte(chunks(RootLog.MIRROR), -1);
    assertThat(openAndCheck()).anySatisfy(n -> assertThat(n).contains(RootLog.MIRROR));
    assertThat(openAndCheck()).isEmpty();
  }

  @Test
  void aRootLogCutShortIsCompletedFromTheOtherCopy() throws IOException {
    cut(chunks(RootLog.FILE), Files.size(chunks(RootLog.FILE)) / 3);
    assertThat(openAndCheck())
        .anySatisfy(n -> assertThat(n).contains(RootLog.FILE).contains("ends at byte"));
  }

  @Test
  void aDeletedCopyOfTheRootLogIsWrittenAgain() throws IOException {
    Files.delete(chunks(RootLog.FILE));
    assertThat(openAndCheck()).anySatisfy(n -> assertThat(n).contains("missing"));
    assertThat(chunks(RootLog.FILE)).exists();
    Files.delete(chunks(RootLog.MIRROR));
    openAndCheck();
    assertThat(chunks(RootLog.MIRROR)).exists();
  }

  @Test
  void theSameRecordDamagedInBothCopiesRefusesToOpenAndChangesNothing() throws IOException {
    long at = firstRecordOffset() + 40;
    DurabilityTest.flipByte(chunks(RootLog.FILE), at);
    DurabilityTest.flipByte(chunks(RootLog.MIRROR), at);
    byte[] before = Files.readAllBytes(chunks(RootLog.FILE));
    assertThatThrownBy(this::open)
        .isInstanceOf(CorruptDataException.class)
        .hasMessageContaining(RootLog.FILE)
        .hasMessageContaining("offset 24")
        .hasMessageContaining("refusing to open");
    assertThat(Files.readAllBytes(chunks(RootLog.FILE))).isEqualTo(before);
    assertThat(PackSet.listIds(chunks("packs"))).isNotEmpty();
  }

  @Test
  void bothCopiesDeletedWhilePacksHoldChunksRefusesToOpen() throws IOException {
    Files.delete(chunks(RootLog.FILE));
    Files.delete(chunks(RootLog.MIRROR));
    assertThatThrownBy(this::open)
        .isInstanceOf(CorruptDataException.class)
        .hasMessageContaining(RootLog.FILE)
        .hasMessageContaining("missing");
    // Refusing created nothing: the next try refuses again instead of finding an empty catalogue.
    assertThat(chunks(RootLog.FILE)).doesNotExist();
    assertThatThrownBy(this::open).isInstanceOf(CorruptDataException.class);
  }

  @Test
  void bothCopiesCutAtTheSameRecordBoundaryAreCaughtByTheIndexCheckpoint() throws IOException {
    // Both copies lose their tail alike (a restore of old files, a cut at a record boundary):
    // nothing in the log itself shows it, but the checkpoint saw them longer.
    long keep = firstRecordOffset();
    cut(chunks(RootLog.FILE), keep);
    cut(chunks(RootLog.MIRROR), keep);
    assertThatThrownBy(this::open)
        .isInstanceOf(CorruptDataException.class)
        .hasMessageContaining("index checkpoint")
        .hasMessageContaining("acknowledged roots are lost");
  }

  @Test
  void aCompactionCutBetweenItsTwoRenamesKeepsTheNewerCopy() throws IOException {
    // The first copy at a newer generation, the mirror at the older: both hold the same roots.
    try (Engine e = open()) {
      e.chunks().compactRoots();
    }
    byte[] newer = Files.readAllBytes(chunks(RootLog.FILE));
    try (Engine e = open()) {
      e.chunks().compactRoots();
    }
    Files.write(chunks(RootLog.FILE), newer);
    assertThat(openAndCheck()).anySatisfy(n -> assertThat(n).contains("generation"));
  }

  @Test
  void aMissingConfigRefusesToOpenRatherThanGuessTheChunkSizes() throws IOException {
    Files.delete(chunks(StoreConfig.FILE));
    assertThatThrownBy(this::open)
        .isInstanceOf(CorruptDataException.class)
        .hasMessageContaining(StoreConfig.FILE)
        .hasMessageContaining("missing");
    assertThat(chunks(StoreConfig.FILE)).doesNotExist();
  }

  @Test
  void aLeftOverCheckpointTemporaryIsDeletedOnOpen() throws IOException {
    Files.write(chunks("index.tmp"), new byte[4096]);
    openAndCheck();
    assertThat(chunks("index.tmp")).doesNotExist();
  }

  @Test
  void aNewDataRootIsReadableByItsOwnerOnly() throws IOException {
    Path root = data.resolve("new/root");
    try (Engine e = Engine.open(root, null, ChunkStore.Options.defaults())) {
      e.blobs().put(new ByteArrayInputStream(TestData.text(5, 100_000)));
    }
    var ownerDir = java.nio.file.attribute.PosixFilePermissions.fromString("rwx------");
    var ownerFile = java.nio.file.attribute.PosixFilePermissions.fromString("rw-------");
    assertThat(Files.getPosixFilePermissions(data.resolve("new"))).isEqualTo(ownerDir);
    assertThat(Files.getPosixFilePermissions(root)).isEqualTo(ownerDir);
    assertThat(Files.getPosixFilePermissions(root.resolve("chunks/packs"))).isEqualTo(ownerDir);
    assertThat(Files.getPosixFilePermissions(root.resolve("chunks").resolve(RootLog.FILE)))
        .isEqualTo(ownerFile);
    assertThat(Files.getPosixFilePermissions(root.resolve("chunks/index"))).isEqualTo(ownerFile);
    Path packs = root.resolve("chunks/packs");
    Path pack = packs.resolve(PackFormat.fileName(PackSet.listIds(packs).get(0)));
    assertThat(Files.getPosixFilePermissions(pack)).isEqualTo(ownerFile);
  }

  @Test
  void fsckNamesADeletedPackAndTheObjectsItServed() throws IOException {
    Path pack =
        chunks("packs").resolve(PackFormat.fileName(PackSet.listIds(chunks("packs")).get(0)));
    Files.delete(pack);
    try (Engine e = open()) {
      FsckReport r = e.fsck();
      assertThat(r.clean()).isFalse();
      assertThat(r.damaged())
          .anySatisfy(
              d -> {
                assertThat(d.chunk()).isEqualTo("pack " + pack.getFileName());
                assertThat(d.problem()).contains("missing");
                assertThat(d.usedBy()).isNotEmpty().allMatch(u -> u.startsWith("blob/"));
              });
      // new writes never take the missing pack's id: the index still places its chunks there
      e.blobs().put(new java.io.ByteArrayInputStream(TestData.random(77, 1 << 20)));
      assertThat(pack).doesNotExist();
    }
  }

  /**
   * A read of a chunk whose pack was deleted names the pack file as missing, not "chunk 816: its
   * pack keeps disappearing", which blamed a race that was not there (round 8, P10).
   */
  @Test
  void aReadFromADeletedPackNamesThePackAsMissing() throws IOException {
    Path pack =
        chunks("packs").resolve(PackFormat.fileName(PackSet.listIds(chunks("packs")).get(0)));
    Files.delete(pack);
    try (Engine e = open()) {
      List<String> errors = new ArrayList<>();
      for (Digest d : objects.keySet()) {
        try (InputStream in = e.blobs().open(d, 0, -1)) {
          in.readAllBytes();
        } catch (CorruptDataException x) {
          errors.add(x.getMessage());
        }
      }
      assertThat(errors)
          .isNotEmpty()
          .allSatisfy(
              m ->
                  assertThat(m)
                      .contains(
                          "pack "
                              + pack.getFileName()
                              + " is missing; the index places chunk sha256:")
                      .doesNotContain("disappearing"));
    }
  }

  @Test
  void fsckNamesAPackCutShortAndOneWithADamagedHeader() throws IOException {
    List<Integer> ids = PackSet.listIds(chunks("packs"));
    Path pack = chunks("packs").resolve(PackFormat.fileName(ids.get(0)));
    long size = Files.size(pack);
    try (Engine e = open()) {
      // Cut while the store runs: the trailer goes, and the records after the cut.
      cut(pack, size - 4096);
      FsckReport r = e.fsck();
      assertThat(r.damaged())
          .anySatisfy(
              d -> {
                assertThat(d.chunk()).isEqualTo("pack " + pack.getFileName());
                assertThat(d.problem()).contains("trailer");
              });
    }
    Path data2 = data.resolveSibling(data.getFileName() + "-header");
    Files.createDirectories(data2);
    try (Engine e = Engine.open(data2, null, ChunkStore.Options.defaults())) {
      e.blobs().put(new ByteArrayInputStream(TestData.text(99, 200_000)));
    }
    Path pack2 =
        data2
            .resolve("chunks/packs")
            .resolve(PackFormat.fileName(PackSet.listIds(data2.resolve("chunks/packs")).get(0)));
    DurabilityTest.flipByte(pack2, 3);
    try (Engine e = Engine.open(data2, null, ChunkStore.Options.defaults())) {
      FsckReport r = e.fsck();
      assertThat(r.damaged())
          .anySatisfy(
              d -> {
                assertThat(d.chunk()).isEqualTo("pack " + pack2.getFileName());
                assertThat(d.problem()).contains("header");
              });
    }
  }

  @Test
  void fsckReportsADamagedChunkThatNothingUses() throws IOException {
    try (Engine e = open()) {
      List<Digest> all = new ArrayList<>(objects.keySet());
      for (Digest d : all) {
        e.blobs().remove(d);
      }
    }
    // No root uses any chunk now; damage them without a GC in between.
    Path pack =
        chunks("packs").resolve(PackFormat.fileName(PackSet.listIds(chunks("packs")).get(0)));
    DurabilityTest.flipByte(pack, Files.size(pack) / 2);
    try (Engine e = open()) {
      FsckReport r = e.fsck();
      assertThat(r.damaged()).isNotEmpty().allSatisfy(d -> assertThat(d.usedBy()).isEmpty());
    }
  }

  private static void cut(Path file, long length) throws IOException {
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
      ch.truncate(length);
    }
  }
}
