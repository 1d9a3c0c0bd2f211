package io.strata.driver.btrfs;

import static org.assertj.core.api.Assertions.assertThat;

import io.strata.store.fs.FileSystemView;
import io.strata.store.testing.TestData;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A file written from start to end (as a program writes one, and as a mount's write-behind hands it
 * over) is stored in the chunks an import of the same bytes stores, so the two deduplicate; short
 * appends still store only the blocks they touch.
 */
@Timeout(120)
class AppendByContentTest {
  /** Tree nodes and pack headers a sync adds on top of data. */
  private static final long NODE_OVERHEAD = 64 << 10;

  /** The store's largest chunk (ChunkerParams.DEFAULT): the most a file's unfinished tail holds. */
  private static final int MAX_CHUNK = 256 << 10;

  /** A pack record's header, CRC and padding around a chunk's bytes, at most (FORMAT.md). */
  private static final int RECORD_OVERHEAD = 64;

  @TempDir Path dir;
  private Fixture f;

  @BeforeEach
  void open() throws IOException {
    f = Fixture.open(dir);
    f.driver().prepare("c", null, Map.of());
  }

  @AfterEach
  void close() throws IOException {
    f.close();
  }

  @Test
  void aFileWrittenInMebibytePiecesDeduplicatesWithItsImport() throws IOException {
    byte[] content = TestData.random(7, (3 << 20) + 12_345);
    FileSystemView fs = f.driver().fs("c");
    fs.deferSync(true);
    for (int at = 0; at < content.length; at += 1 << 20) {
      int n = Math.min(1 << 20, content.length - at);
      fs.write("/written", at, Arrays.copyOfRange(content, at, at + n), 0, n);
    }
    fs.sync();

    long before = f.storedBytes();
    fs.writeFile("/imported", new ByteArrayInputStream(content), 0644, 0, 0, 0);
    fs.sync();

    assertThat(f.storedBytes() - before).as("bytes the import added").isLessThan(NODE_OVERHEAD);
    assertThat(readAll(fs, "/written")).isEqualTo(content);
    // Content-defined chunks end anywhere; a block two extents share is one block of st_blocks.
    assertThat(fs.stat("/written").allocatedBytes())
        .isEqualTo(ExtentLayout.alignUp(content.length))
        .isEqualTo(fs.stat("/imported").allocatedBytes());
  }

  @Test
  void aFileWrittenInPiecesOfAnySizeDeduplicatesWithItsImportButForItsLastChunk()
      throws IOException {
    SplittableRandom r = new SplittableRandom(11);
    byte[] content = TestData.random(8, 5 << 20);
    FileSystemView fs = f.driver().fs("c");
    fs.deferSync(true);
    for (int at = 0; at < content.length; ) {
      int n = Math.min(content.length - at, r.nextInt(4) == 0 ? r.nextInt(1, 600_000) : 4096);
      fs.write("/written", at, Arrays.copyOfRange(content, at, at + n), 0, n);
      at += n;
    }
    fs.sync();

    long before = f.storedBytes();
    fs.writeFile("/imported", new ByteArrayInputStream(content), 0644, 0, 0, 0);
    fs.sync();

    assertThat(f.storedBytes() - before)
        .as("bytes the import added")
        .isLessThan(MAX_CHUNK + NODE_OVERHEAD);
    assertThat(readAll(fs, "/written")).isEqualTo(content);
  }

  @Test
  void theSameBytesAppendedToTwoFilesAreStoredOnce() throws IOException {
    byte[] content = TestData.random(9, 2 << 20);
    FileSystemView fs = f.driver().fs("c");
    fs.deferSync(true);
    // A head that differs in length shifts the second file's bytes off the first's offsets:
    // content-defined boundaries find the same chunks after it anyway.
    fs.write("/a", 0, new byte[1000], 0, 1000);
    fs.write("/b", 0, new byte[77_777], 0, 77_777);
    fs.sync();
    fs.write("/a", 1000, content, 0, content.length);
    fs.sync();

    long before = f.storedBytes();
    fs.write("/b", 77_777, content, 0, content.length);
    fs.sync();

    assertThat(f.storedBytes() - before)
        .as("bytes the second append added")
        .isLessThan(2L * MAX_CHUNK + NODE_OVERHEAD);
  }

  @Test
  void shortAppendsStoreTheBlocksTheyTouchNotTheTail() throws IOException {
    // A log appended to a line at a time: each append rewrites the partial block it ends in, as
    // Btrfs does, and the tail is re-stored only when a content boundary closes a chunk of it.
    // Lines of random bytes: the store compresses nothing away.
    int appends = 2000;
    byte[] log = TestData.random(10, appends * 100);
    FileSystemView fs = f.driver().fs("c");
    fs.deferSync(true);
    long before = f.storedBytes();
    for (int i = 0; i < appends; i++) {
      fs.write("/log", i * 100L, log, i * 100, 100);
    }
    fs.sync();

    long total = log.length;
    long blocks = (long) appends * (ExtentLayout.BLOCK + RECORD_OVERHEAD);
    // Every byte also goes into one content-defined chunk, once a boundary ends it.
    assertThat(f.storedBytes() - before)
        .as("bytes %d appends of 100 stored", appends)
        .isLessThan(blocks + total + MAX_CHUNK + NODE_OVERHEAD);
    assertThat(readAll(fs, "/log")).isEqualTo(log);
  }

  @Test
  void anAppendToALayersFileStoresAboutItsOwnBytes() throws IOException {
    byte[] content = TestData.random(12, (8 << 20) + 1000);
    f.driver().fs("c").writeFile("/big", new ByteArrayInputStream(content), 0644, 0, 0, 0);
    f.driver().commit("layer", "c");
    f.driver().prepare("d", "layer", Map.of());
    FileSystemView fs = f.driver().fs("d");
    byte[] more = TestData.random(13, 30_000);

    long before = f.storedBytes();
    fs.write("/big", content.length, more, 0, more.length);
    fs.sync();

    // The block holding the old end is read back and stored again with the new bytes.
    long data = ExtentLayout.BLOCK + more.length;
    assertThat(f.storedBytes() - before)
        .as("bytes the append stored")
        .isLessThan(data + 4 * RECORD_OVERHEAD + NODE_OVERHEAD);
    byte[] got = readAll(fs, "/big");
    assertThat(Arrays.copyOf(got, content.length)).isEqualTo(content);
    assertThat(Arrays.copyOfRange(got, content.length, got.length)).isEqualTo(more);
  }

  /**
   * A file appended to in pieces that each settled alone keeps its tail in blocks until it stays
   * idle for a round of {@code finishIdleAppends} (a mount's periodic sync): then the tail is one
   * chunk, the import's last, and the file deduplicates whole (docs/ADVERSARIAL.md, M4).
   */
  @Test
  void anIdleFilesTailBecomesTheImportsLastChunk() throws IOException {
    byte[] content = TestData.random(14, 36_000);
    FileSystemView fs = f.driver().fs("c");
    fs.deferSync(true);
    for (int at = 0; at < content.length; at += 9_000) {
      fs.write("/log", at, Arrays.copyOfRange(content, at, at + 9_000), 0, 9_000);
      fs.sync(); // each piece settles alone, as with an fsync after each append
    }
    assertThat(fs.finishIdleAppends()).as("appended since the last round: not idle").isFalse();
    fs.write("/other", 0, new byte[10], 0, 10);
    assertThat(fs.finishIdleAppends()).as("idle for a whole round").isTrue();
    assertThat(fs.finishIdleAppends()).as("nothing left to finish").isFalse();
    fs.sync();

    long before = f.storedBytes();
    fs.writeFile("/imported", new ByteArrayInputStream(content), 0644, 0, 0, 0);
    fs.sync();

    assertThat(f.storedBytes() - before).as("bytes the import added").isLessThan(NODE_OVERHEAD);
    assertThat(readAll(fs, "/log")).isEqualTo(content);
    f.reopen();
    assertThat(readAll(f.driver().fs("c"), "/log")).isEqualTo(content);
  }

  private static byte[] readAll(FileSystemView fs, String path) throws IOException {
    byte[] out = new byte[(int) fs.stat(path).size()];
    int at = 0;
    while (at < out.length) {
      int n = fs.read(path, at, out, at, Math.min(1 << 20, out.length - at));
      assertThat(n).isPositive();
      at += n;
    }
    return out;
  }
}
