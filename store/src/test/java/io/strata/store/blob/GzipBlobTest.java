package io.strata.store.blob;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.strata.store.Engine;
import io.strata.store.compress.Compression;
import io.strata.store.digest.Digest;
import io.strata.store.engine.ChunkStore;
import io.strata.store.error.CorruptDataException;
import io.strata.store.error.InvalidArgumentException;
import io.strata.store.gzip.GzipExpansion;
import io.strata.store.gzip.GzipRecipe;
import io.strata.store.gzip.RegeneratedGzipInputStream;
import io.strata.store.testing.GoGzip;
import io.strata.store.testing.TestData;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPOutputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Gzip blobs kept as uncompressed chunks plus a recipe, and given back byte for byte. */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class GzipBlobTest {
  @TempDir Path dir;

  private Engine open() throws IOException {
    return Engine.open(
        dir.resolve("data"),
        null,
        ChunkStore.Options.defaults().withCompression(Compression.parse("zstd:3")));
  }

  /** Half text, half random: compressible, but the random half keeps the stored size honest. */
  private Path content(String name) throws IOException {
    byte[] a = TestData.text(1, 3 << 20);
    byte[] b = TestData.random(2, 3 << 20);
    byte[] all = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, all, a.length, b.length);
    Path p = dir.resolve(name);
    Files.write(p, all);
    return p;
  }

  private static Digest sha(Path p) throws IOException {
    byte[] b = Files.readAllBytes(p);
    return Digest.sha256(b, 0, b.length);
  }

  @Test
  void aGoGzipBlobIsKeptAsItsUncompressedChunksAndGivenBackExactly() throws Exception {
    Path raw = content("layer.tar");
    for (int level : new int[] {6, 1, 9}) {
      Path gz = GoGzip.gzip(raw, level);
      byte[] original = Files.readAllBytes(gz);
      Digest d = sha(gz);
      try (Engine e = open()) {
        PutResult put = e.blobs().putFile(gz, d);
        assertThat(put.digest()).isEqualTo(d);
        assertThat(put.size()).isEqualTo(original.length);
        GzipRecipe r = e.blobs().gzipRecipe(d);
        assertThat(r).as("level %d reproduced", level).isNotNull();
        assertThat(r.level()).isEqualTo(level);
        assertThat(e.blobs().size(d)).isEqualTo(original.length);
        // The chunks are those of the uncompressed bytes: putting them as a blob adds nothing.
        PutResult plain = e.blobs().put(Files.newInputStream(raw));
        assertThat(plain.newChunks()).isZero();
        try (InputStream in = e.blobs().open(d, 0, -1)) {
          assertThat(in.readAllBytes()).isEqualTo(original);
        }
        try (InputStream in = e.blobs().open(d, 100_000, 5000)) {
          assertThat(in.readAllBytes()).isEqualTo(Arrays.copyOfRange(original, 100_000, 105_000));
        }
        // ranges past a checkpoint (levels 4..9 record them): started there, the same bytes
        assertThat(r.checkpoints().isEmpty()).isEqualTo(level < 4);
        for (int from : new int[] {original.length / 2, original.length - 4}) {
          try (InputStream in = e.blobs().open(d, from, -1)) {
            assertThat(in.readAllBytes())
                .as("level %d from %d", level, from)
                .isEqualTo(Arrays.copyOfRange(original, from, original.length));
          }
        }
        assertThat(
                e.blobs()
                    .regeneration()
                    .snapshot()
                    .get("os 255 (Go, klauspost, Java)")
                    .reproduced())
            .isEqualTo(1);
      }
      deleteData();
    }
  }

  @Test
  void aGzipTarSharesItsFilesChunksWithTheSameFilesStoredOneByOne() throws Exception {
    Path tar = dir.resolve("files.tar");
    List<byte[]> files = new ArrayList<>();
    try (TarArchiveOutputStream t = new TarArchiveOutputStream(Files.newOutputStream(tar))) {
      t.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
      t.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
      for (int i = 0; i < 40; i++) {
        byte[] data =
            i % 2 == 0 ? TestData.text(10 + i, 1000 * i * i) : TestData.random(10 + i, 777 * i);
        files.add(data);
        TarArchiveEntry e =
            new TarArchiveEntry("usr/share/" + "long-directory-name/".repeat(i % 7) + i);
        e.setSize(data.length);
        t.putArchiveEntry(e);
        t.write(data);
        t.closeArchiveEntry();
      }
    }
    Path gz = GoGzip.gzip(tar, 6);
    Digest d = sha(gz);
    try (Engine e = open()) {
      e.blobs().putFile(gz, d);
      assertThat(e.blobs().gzipRecipe(d)).isNotNull();
      for (byte[] f : files) {
        // what a layer import does with each file: an object of its own, chunked from its start
        assertThat(e.blobs().put(new ByteArrayInputStream(f)).newChunks()).isZero();
      }
      try (InputStream in = e.blobs().open(d, 0, -1)) {
        assertThat(in.readAllBytes()).isEqualTo(Files.readAllBytes(gz));
      }
    }
  }

  @Test
  void aGzipNoKnownCompressorReproducesIsKeptWholeAndGivenBackExactly() throws Exception {
    Path raw = content("other.tar");
    Path gz = dir.resolve("other.tar.gz");
    // zlib's deflate (java.util.zip) makes different choices from Go's.
    try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(gz))) {
      Files.copy(raw, out);
    }
    byte[] original = Files.readAllBytes(gz);
    Digest d = sha(gz);
    try (Engine e = open()) {
      e.blobs().putFile(gz, d);
      assertThat(e.blobs().gzipRecipe(d)).isNull();
      try (InputStream in = e.blobs().open(d, 0, -1)) {
        assertThat(in.readAllBytes()).isEqualTo(original);
      }
      // kept whole: the uncompressed bytes are new to the store
      assertThat(e.blobs().put(Files.newInputStream(raw)).newChunks()).isPositive();
      var family = e.blobs().regeneration().snapshot().get("os 255 (Go, klauspost, Java)");
      assertThat(family.seen()).isEqualTo(1);
      assertThat(family.reproduced()).isZero();
    }
  }

  /**
   * A Go gzip whose deflate data a recipe would replay, but that is not one well-formed member
   * (bytes after it, a wrong CRC, cut short), is kept whole and costs its own bytes only: the
   * replay stored the contents as it went and failed at the trailer, leaving twice the blob's size
   * until the next gc (tester AQ1).
   */
  @Test
  void aGzipThatIsNotOneWellFormedMemberIsKeptWholeWithoutItsContentsStored() throws Exception {
    Path raw = content("flawed.tar");
    byte[] good = Files.readAllBytes(GoGzip.gzip(raw, 6));
    byte[] trailing = Arrays.copyOf(good, good.length + 8);
    System.arraycopy("garbage\n".getBytes(StandardCharsets.US_ASCII), 0, trailing, good.length, 8);
    byte[] badCrc = good.clone();
    badCrc[good.length - 8] ^= 1;
    byte[] cut = Arrays.copyOf(good, good.length / 2);
    int n = 0;
    for (byte[] flawed : List.of(trailing, badCrc, cut)) {
      Path gz = dir.resolve("flawed-" + n++ + ".gz");
      Files.write(gz, flawed);
      Digest d = sha(gz);
      try (Engine e = open()) {
        long before = e.info().storedBytes();
        e.blobs().putFile(gz, d);
        assertThat(e.blobs().gzipRecipe(d)).as(gz.toString()).isNull();
        try (InputStream in = e.blobs().open(d, 0, -1)) {
          assertThat(in.readAllBytes()).isEqualTo(flawed);
        }
        // the blob is random past its first half: stored whole, it costs about its own size;
        // its 6 MB of contents stored too would add more than 3 MB of chunks
        assertThat(e.info().storedBytes() - before)
            .as(gz.toString())
            .isLessThan(flawed.length + (1L << 20));
        e.blobs().remove(d);
        e.chunks().gc();
      }
    }
  }

  /**
   * A gzip bomb is kept whole: its inflate stops once the contents pass the bound ({@link
   * GzipExpansion}), and no replay reads them; a gzip of the same compressor within the bound is
   * kept as a recipe. Without the bound a {@code blob put} of a 1 MiB gzip of 1 GiB of zeros
   * inflated it whole, twice (tester AQ).
   */
  @Test
  void aGzipBombIsKeptWholeItsContentsNotReadPastTheBound() throws Exception {
    Path zeros = dir.resolve("zeros.tar");
    Files.write(zeros, new byte[8 << 20]);
    Path bomb = GoGzip.gzip(zeros, 6);
    Path fine = GoGzip.gzip(content("fine.tar"), 6);
    try (Engine e = open()) {
      BlobService blobs = new BlobService(e.chunks(), d -> {}, new GzipExpansion(100, 1 << 20));
      Digest b = sha(bomb);
      blobs.putFile(bomb, b);
      assertThat(blobs.gzipRecipe(b))
          .as("8 MiB of zeros from %d bytes: over 100 times", Files.size(bomb))
          .isNull();
      try (InputStream in = blobs.open(b, 0, -1)) {
        assertThat(in.readAllBytes()).isEqualTo(Files.readAllBytes(bomb));
      }
      Digest f = sha(fine);
      blobs.putFile(fine, f);
      assertThat(blobs.gzipRecipe(f)).as("6 MiB of contents, within the bound").isNotNull();
    }
  }

  @Test
  void aBlobThatIsNotWhatItsDigestSaysIsRefusedAndNothingNamed() throws Exception {
    Path gz = GoGzip.gzip(content("bad.tar"), 6);
    Digest wrong = Digest.sha256(new byte[] {1}, 0, 1);
    try (Engine e = open()) {
      assertThatThrownBy(() -> e.blobs().putFile(gz, wrong))
          .isInstanceOf(InvalidArgumentException.class)
          .hasMessageContaining(wrong.toString());
      assertThat(e.blobs().list()).isEmpty();
    }
  }

  /**
   * Damage met reading the contents (on the read-ahead thread) reaches the reader as the store's
   * own error, type and words: wrapped in a bare IOException it became "I/O error on the server:
   * io.strata.store.error.CorruptDataException: ..." with status INTERNAL (round 8, P10).
   */
  @Test
  void damageReadingTheContentsReachesTheReaderAsItself() throws Exception {
    Path raw = content("d.tar");
    Path gz = GoGzip.gzip(raw, 6);
    GzipRecipe r =
        new GzipRecipe(
            GzipRecipe.Compressor.GO, 6, Arrays.copyOf(Files.readAllBytes(gz), 10), Files.size(gz));
    CorruptDataException damage =
        new CorruptDataException("pack 00000007.pack offset 96: checksum mismatch", "pack 7");
    InputStream failing =
        new java.io.SequenceInputStream(
            new ByteArrayInputStream(Files.readAllBytes(raw), 0, 1 << 20),
            new InputStream() {
              @Override
              public int read() {
                throw damage;
              }

              @Override
              public int read(byte[] b, int off, int len) {
                throw damage;
              }
            });
    try (InputStream in = new RegeneratedGzipInputStream(failing, r, sha(gz), "blob test")) {
      assertThatThrownBy(in::readAllBytes)
          .isInstanceOf(CorruptDataException.class)
          .hasMessage(damage.getMessage());
    }
  }

  @Test
  void aRegenerationThatMissesItsDigestFailsBeforeItsLastBytes() throws Exception {
    Path raw = content("x.tar");
    Path gz = GoGzip.gzip(raw, 6);
    long size = Files.size(gz);
    GzipRecipe r =
        new GzipRecipe(
            GzipRecipe.Compressor.GO, 6, Arrays.copyOf(Files.readAllBytes(gz), 10), size);
    Digest wrong = Digest.sha256(new byte[] {2}, 0, 1);
    try (InputStream in =
        new RegeneratedGzipInputStream(Files.newInputStream(raw), r, wrong, "blob test")) {
      byte[] got = new byte[(int) size];
      assertThatThrownBy(() -> in.readNBytes(got, 0, got.length))
          .isInstanceOf(CorruptDataException.class)
          .hasMessageContaining("blob test");
    }
    // the right digest gives the bytes; what is ready is said (HTTP chunks are sized by it)
    try (InputStream in =
        new RegeneratedGzipInputStream(Files.newInputStream(raw), r, sha(gz), "blob test")) {
      int first = in.read();
      assertThat(in.available()).isPositive();
      byte[] rest = in.readAllBytes();
      byte[] want = Files.readAllBytes(gz);
      assertThat(first).isEqualTo(want[0] & 0xff);
      assertThat(rest).isEqualTo(Arrays.copyOfRange(want, 1, want.length));
    }
  }

  private void deleteData() throws IOException {
    try (var s = Files.walk(dir.resolve("data"))) {
      for (Path p : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }

  @Test
  void aBlobStoredWholeBecomesARecipeLaterAndItsWholeChunksGoAtGc() throws Exception {
    Path gz = GoGzip.gzip(content("later.tar"), 6);
    byte[] original = Files.readAllBytes(gz);
    Digest d = sha(gz);
    try (Engine e = open()) {
      e.blobs().putWhole(gz, d);
      assertThat(e.blobs().gzipRecipe(d)).isNull();
      long whole = e.blobs().stat(d).uniqueBytes();
      assertThat(e.blobs().keepAsRecipe(d, null)).isTrue();
      assertThat(e.blobs().gzipRecipe(d)).isNotNull();
      // a second try finds nothing left to do
      assertThat(e.blobs().keepAsRecipe(d, gz)).isFalse();
      try (InputStream in = e.blobs().open(d, 0, -1)) {
        assertThat(in.readAllBytes()).isEqualTo(original);
      }
      long before = e.info().storedBytes();
      e.gc();
      assertThat(before - e.info().storedBytes())
          .as("the whole copy (%d bytes) collected", whole)
          .isGreaterThanOrEqualTo(whole * 9 / 10);
      try (InputStream in = e.blobs().open(d, 0, -1)) {
        assertThat(in.readAllBytes()).isEqualTo(original);
      }
    }
  }

  @Test
  void aBlobNoCompressorReproducesStaysWholeAndARemovedOneIsNotNamedAgain() throws Exception {
    Path gz = dir.resolve("zlib.gz");
    try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(gz))) {
      out.write(TestData.text(3, 1 << 20));
    }
    Digest d = sha(gz);
    Path go = GoGzip.gzip(content("removed.tar"), 6);
    Digest g = sha(go);
    try (Engine e = open()) {
      e.blobs().putWhole(gz, d);
      assertThat(e.blobs().keepAsRecipe(d, gz)).isFalse();
      assertThat(e.blobs().gzipRecipe(d)).isNull();
      try (InputStream in = e.blobs().open(d, 0, -1)) {
        assertThat(in.readAllBytes()).isEqualTo(Files.readAllBytes(gz));
      }
      e.blobs().putWhole(go, g);
      e.blobs().remove(g);
      assertThat(e.blobs().keepAsRecipe(g, go)).isFalse();
      assertThat(e.blobs().list()).extracting(BlobEntry::digest).doesNotContain(g);
    }
  }
}
