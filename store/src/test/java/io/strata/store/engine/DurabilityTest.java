package io.strata.store.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.strata.store.Engine;
import io.strata.store.blob.PutResult;
import io.strata.store.digest.Digest;
import io.strata.store.error.ConflictException;
import io.strata.store.error.CorruptDataException;
import io.strata.store.pack.PackFormat;
import io.strata.store.pack.PackSet;
import io.strata.store.testing.TestData;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
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

/** Recovery, corruption detection and the data root's lock, on a real store in a temp dir. */
class DurabilityTest {
  @TempDir Path data;

  private Engine open() throws IOException {
    return Engine.open(data, null, ChunkStore.Options.defaults());
  }

  private static Digest put(Engine e, byte[] b) throws IOException {
    return e.blobs().put(new ByteArrayInputStream(b)).digest();
  }

  @Test
  void aLostIndexIsRebuiltFromThePacks() throws IOException {
    byte[] a = TestData.text(1, 2 << 20);
    byte[] b = TestData.random(2, 1 << 20);
    Digest da;
    Digest db;
    long chunks;
    try (Engine e = open()) {
      da = put(e, a);
      db = put(e, b);
      chunks = e.info().chunks();
    }
    Files.delete(data.resolve("chunks/index"));
    try (Engine e = open()) {
      assertThat(e.info().chunks()).isEqualTo(chunks);
      assertThat(e.blobs().open(da, 0, -1).readAllBytes()).isEqualTo(a);
      assertThat(e.blobs().open(db, 0, -1).readAllBytes()).isEqualTo(b);
      // Deduplication works against the rebuilt index.
      assertThat(e.blobs().put(new ByteArrayInputStream(a)).newChunks()).isZero();
    }
  }

  @Test
  void aDamagedIndexIsRebuiltFromThePacks() throws IOException {
    byte[] a = TestData.text(3, 2 << 20);
    Digest da;
    try (Engine e = open()) {
      da = put(e, a);
    }
    flipByte(data.resolve("chunks/index"), 40);
    try (Engine e = open()) {
      assertThat(e.blobs().open(da, 0, -1).readAllBytes()).isEqualTo(a);
      assertThat(e.fsck().clean()).isTrue();
    }
  }

  @Test
  void aTornPackTailIsCutOff() throws IOException {
    byte[] a = TestData.text(4, 1 << 20);
    Digest da;
    try (Engine e = open()) {
      da = put(e, a);
      // Leave the index checkpoint behind the pack, as a crash would.
      Files.delete(data.resolve("chunks/index"));
      e.chunks().gc();
    }
    Path pack = largestPack();
    // A half-written record after the last good one, with no trailer.
    try (RandomAccessFile f = new RandomAccessFile(pack.toFile(), "rw")) {
      f.setLength(f.length() - 24);
      f.seek(f.length());
      f.write(new byte[] {0x52, 0x45, 0x43, 0x31, 2, 0, 0, 0, 0, 0, 0, 9});
    }
    Files.delete(data.resolve("chunks/index"));
    try (Engine e = open()) {
      assertThat(e.blobs().open(da, 0, -1).readAllBytes()).isEqualTo(a);
      assertThat(e.fsck().clean()).isTrue();
    }
  }

  @Test
  void aPackCutOffInItsHeaderHoldsNothingAndTheStoreOpens() throws IOException {
    byte[] a = TestData.text(9, 1 << 20);
    Digest da;
    try (Engine e = open()) {
      da = put(e, a);
    }
    // A crash before a new pack's first fsync: its header need not have reached the disk.
    Path packs = data.resolve("chunks/packs");
    int next = PackSet.listIds(packs).stream().max(Integer::compare).orElse(0) + 1;
    Files.write(packs.resolve(PackFormat.fileName(next)), new byte[0]);
    Files.write(packs.resolve(PackFormat.fileName(next + 1)), new byte[] {'S', 'T', 'R', 'P'});
    byte[] b = TestData.random(10, 1 << 20);
    Digest db;
    try (Engine e = open()) {
      assertThat(e.blobs().open(da, 0, -1).readAllBytes()).isEqualTo(a);
      db = put(e, b);
      assertThat(e.fsck().clean()).isTrue();
    }
    try (Engine e = open()) {
      assertThat(e.blobs().open(da, 0, -1).readAllBytes()).isEqualTo(a);
      assertThat(e.blobs().open(db, 0, -1).readAllBytes()).isEqualTo(b);
      assertThat(e.fsck().clean()).isTrue();
    }
  }

  @Test
  void aFlippedByteIsFoundByFsckAndNeverReturnedAsData() throws IOException {
    byte[] random = TestData.random(5, 8 << 20);
    byte[] text = TestData.text(6, 1 << 20);
    Digest dr;
    try (Engine e = open()) {
      dr = put(e, random);
      put(e, text);
    }
    flipByte(largestPack(), -1);
    try (Engine e = open()) {
      FsckReport report = e.fsck();
      assertThat(report.clean()).isFalse();
      assertThat(report.damaged()).hasSize(1);
      assertThat(report.damaged().get(0).usedBy()).containsExactly("blob/" + dr.hex());
      assertThatThrownBy(() -> e.blobs().open(dr, 0, -1).readAllBytes())
          .isInstanceOf(CorruptDataException.class)
          .hasMessageContaining(dr.toString());
    }
  }

  @Test
  void leftoversInTmpAreClearedOnOpen() throws IOException {
    open().close();
    Path spool = Files.createDirectories(data.resolve("tmp/upload-123"));
    Files.writeString(spool.resolve("half.tar"), "half an upload");
    open().close();
    try (Stream<Path> left = Files.list(data.resolve("tmp"))) {
      assertThat(left).isEmpty();
    }
  }

  @Test
  void oneProcessPerDataRoot() throws IOException {
    try (Engine e = open()) {
      assertThat(e.dataRoot()).isEqualTo(data.toAbsolutePath());
      assertThatThrownBy(this::open).isInstanceOf(ConflictException.class);
    }
    open().close();
  }

  @Test
  void aDataRootKeepsItsDriver() throws IOException {
    Engine.open(data, "zfs", ChunkStore.Options.defaults()).close();
    assertThatThrownBy(() -> Engine.open(data, "btrfs", ChunkStore.Options.defaults()))
        .isInstanceOf(ConflictException.class)
        .hasMessageContaining("zfs");
    try (Engine e = open()) {
      assertThat(e.driver()).isEqualTo("zfs");
    }
  }

  @Test
  void gcReclaimsWhatNothingReferences() throws IOException {
    byte[] a = TestData.text(7, 6 << 20);
    byte[] b = TestData.random(8, 3 << 20);
    Digest da;
    Digest db;
    long uniqueBefore;
    try (Engine e = open()) {
      da = put(e, a);
      db = put(e, b);
      long before = e.info().storedBytes();
      uniqueBefore = e.info().uniqueBytes();
      GcResult nothing = e.gc();
      assertThat(nothing.chunksRemoved()).isZero();
      e.blobs().remove(da);
      GcResult r = e.gc();
      assertThat(r.chunksRemoved()).isPositive();
      assertThat(r.bytesReclaimed()).isPositive();
      assertThat(e.info().storedBytes()).isLessThan(before - r.bytesReclaimed() / 2);
      assertThat(e.info().uniqueBytes()).isEqualTo(uniqueBefore - a.length);
      assertThat(e.blobs().open(db, 0, -1).readAllBytes()).isEqualTo(b);
      assertThat(e.fsck().clean()).isTrue();
    }
    // The space stays reclaimed and the survivor readable after a restart.
    try (Engine again = open()) {
      assertThat(again.blobs().open(db, 0, -1).readAllBytes()).isEqualTo(b);
      assertThat(again.info().uniqueBytes()).isEqualTo(uniqueBefore - a.length);
      PutResult reput = again.blobs().put(new ByteArrayInputStream(a));
      assertThat(reput.newChunks()).as("a's chunks were really gone").isPositive();
      assertThat(again.blobs().open(da, 0, -1).readAllBytes()).isEqualTo(a);
    }
  }

  /**
   * A blob removed from a pack that stays below the rewrite's dead share (512 KiB of 10 MiB) still
   * gives its bytes back: its records are punched out in place (AG3: gc said "reclaimed 0 bytes"
   * until a tenth of the pack was dead, and system df's RECLAIMABLE was never freed). On tmpfs,
   * which punches holes on every kernel; what stays reads back, and the removed bytes can be stored
   * again.
   */
  @Test
  @Timeout(value = 2, unit = TimeUnit.MINUTES)
  void aBlobRemovedFromALightlyDeadPackGivesItsBytesBack() throws IOException {
    Path shm = Files.createTempDirectory(Path.of("/dev/shm"), "durability-");
    try {
      List<byte[]> blobs = new ArrayList<>();
      List<Digest> digests = new ArrayList<>();
      try (Engine e = Engine.open(shm, null, ChunkStore.Options.defaults())) {
        for (int i = 0; i < 20; i++) {
          blobs.add(TestData.random(40 + i, 512 << 10)); // 10 MiB: a container's /dev/shm is 64
          digests.add(put(e, blobs.get(i)));
        }
        e.gc(); // seals the pack: nothing dead yet
        e.blobs().remove(digests.get(4));
        GcResult r = e.gc();
        assertThat(r.bytesReclaimed())
            .as("the blob's 512 KiB, in whole blocks")
            .isGreaterThan(500_000);
        // more removed: the pack passes the rewrite's share and is copied out; what it reports
        // is what the disk gets back, the holes punched before not counted twice (AH1)
        long held = allocated(shm);
        e.blobs().remove(digests.get(7));
        e.blobs().remove(digests.get(11));
        long rewritten = e.gc().bytesReclaimed();
        long freed = held - allocated(shm);
        assertThat(rewritten)
            .as("reclaimed against the disk's %d", freed)
            .isBetween(freed - (64 << 10), freed + (64 << 10));
        for (int i = 0; i < 20; i++) {
          if (i != 4 && i != 7 && i != 11) {
            assertThat(e.blobs().open(digests.get(i), 0, -1).readAllBytes())
                .isEqualTo(blobs.get(i));
          }
        }
        assertThat(e.fsck().clean()).isTrue();
      }
      try (Engine again = Engine.open(shm, null, ChunkStore.Options.defaults())) {
        assertThat(again.fsck().clean()).isTrue();
        assertThat(again.blobs().open(digests.get(19), 0, -1).readAllBytes())
            .isEqualTo(blobs.get(19));
        assertThat(again.blobs().put(new ByteArrayInputStream(blobs.get(4))).newChunks())
            .as("the punched chunks were gone, not shared")
            .isPositive();
        assertThat(again.blobs().open(digests.get(4), 0, -1).readAllBytes())
            .isEqualTo(blobs.get(4));
      }
    } finally {
      try (Stream<Path> all = Files.walk(shm)) {
        for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
          Files.delete(p);
        }
      }
    }
  }

  /** The bytes the disk holds for the packs under {@code root}, as {@code du} counts them. */
  private static long allocated(Path root) throws IOException {
    Process p =
        new ProcessBuilder("du", "-s", "--block-size=1", root.resolve("chunks/packs").toString())
            .redirectErrorStream(true)
            .start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    try {
      assertThat(p.waitFor()).as(out).isZero();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException(e);
    }
    return Long.parseLong(out.split("\\s+")[0]);
  }

  private Path largestPack() throws IOException {
    try (Stream<Path> s = Files.list(data.resolve("chunks/packs"))) {
      return s.max(Comparator.comparingLong(p -> p.toFile().length())).orElseThrow();
    }
  }

  /** Flips one byte at {@code at}, or in the middle when {@code at} is negative. */
  static void flipByte(Path file, long at) throws IOException {
    try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
      long pos = at < 0 ? f.length() / 2 : at;
      f.seek(pos);
      int b = f.read();
      f.seek(pos);
      f.write(b ^ 0xFF);
    }
  }
}
