package io.strata.store.blob;

import static org.assertj.core.api.Assertions.assertThat;

import io.strata.store.Engine;
import io.strata.store.compress.Compression;
import io.strata.store.digest.Digest;
import io.strata.store.engine.ChunkStore;
import io.strata.store.testing.GoGzip;
import io.strata.store.testing.TestData;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Blobs stored as they are (no gzip): an uncompressed layer tar is cut where its files start and
 * end, so it shares its files' chunks with the image's layer (docs/ADVERSARIAL.md, AJ4: a published
 * image's uncompressed layer, cut as one stream, shared 105 of 201 MB with the layer's files).
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class PlainTarBlobTest {
  @TempDir Path dir;

  private Engine open() throws IOException {
    return Engine.open(
        dir.resolve("data"),
        null,
        ChunkStore.Options.defaults().withCompression(Compression.parse("zstd:3")));
  }

  private static Digest sha(byte[] b) {
    return Digest.sha256(b, 0, b.length);
  }

  /** A tar of {@code count} files, most larger than a chunk, none a multiple of 512 bytes. */
  private static byte[] tar(int count, List<byte[]> files) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (TarArchiveOutputStream t = new TarArchiveOutputStream(out)) {
      t.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
      for (int i = 0; i < count; i++) {
        byte[] data =
            i % 3 == 0
                ? TestData.text(100 + i, 90_001 * i + 7)
                : TestData.random(100 + i, 70_003 * i);
        files.add(data);
        TarArchiveEntry e = new TarArchiveEntry("usr/lib/" + "x".repeat(i * 7) + "/f" + i);
        e.setSize(data.length);
        t.putArchiveEntry(e);
        t.write(data);
        t.closeArchiveEntry();
      }
    }
    return out.toByteArray();
  }

  @Test
  void aPlainTarSharesItsFilesChunksWithTheSameFilesStoredOneByOne() throws Exception {
    List<byte[]> files = new ArrayList<>();
    byte[] tar = tar(30, files);
    Path file = dir.resolve("layer.tar");
    Files.write(file, tar);
    try (Engine e = open()) {
      PutResult put = e.blobs().putFile(file, sha(tar));
      assertThat(put.size()).isEqualTo(tar.length);
      for (int i = 0; i < files.size(); i++) {
        // what a layer import does with each file: an object of its own, chunked from its start
        assertThat(e.blobs().put(new ByteArrayInputStream(files.get(i))).newChunks())
            .as("file %d (%d bytes) adds no chunk", i, files.get(i).length)
            .isZero();
      }
      try (InputStream in = e.blobs().open(sha(tar), 0, -1)) {
        assertThat(in.readAllBytes()).isEqualTo(tar);
      }
      try (InputStream in = e.blobs().open(sha(tar), 700_000, 100_000)) {
        assertThat(in.readAllBytes()).isEqualTo(Arrays.copyOfRange(tar, 700_000, 800_000));
      }
    }
  }

  @Test
  void theSameFilesStoredFirstLeaveTheTarOnlyItsHeaders() throws Exception {
    List<byte[]> files = new ArrayList<>();
    byte[] tar = tar(12, files);
    try (Engine e = open()) {
      for (byte[] f : files) {
        e.blobs().put(new ByteArrayInputStream(f));
      }
      BlobWriter w = e.blobs().create();
      for (int off = 0; off < tar.length; off += 65_537) {
        w.write(tar, off, Math.min(65_537, tar.length - off));
      }
      PutResult put = w.commit(sha(tar));
      // one chunk per run of headers and padding between files, and the end blocks; no content
      assertThat(put.newChunks()).isLessThanOrEqualTo(files.size() + 1);
      try (InputStream in = e.blobs().open(sha(tar), 0, -1)) {
        assertThat(in.readAllBytes()).isEqualTo(tar);
      }
    }
  }

  /** A stream that ends within its first 512 bytes, or within a later header, is kept all. */
  @Test
  void blobsEndingWithinAHeaderBlockAreKeptByteForByte() throws Exception {
    List<byte[]> blobs = new ArrayList<>();
    blobs.add(new byte[0]);
    blobs.add(TestData.text(1, 100));
    blobs.add(TestData.random(2, 511));
    blobs.add(TestData.random(3, 512));
    byte[] tar = tar(2, new ArrayList<>());
    blobs.add(Arrays.copyOf(tar, 1024 + 300 + 90_008)); // a truncated tar: half a header at the end
    try (Engine e = open()) {
      for (byte[] b : blobs) {
        PutResult put = e.blobs().put(new ByteArrayInputStream(b));
        assertThat(put.digest()).isEqualTo(sha(b));
        try (InputStream in = e.blobs().open(put.digest(), 0, -1)) {
          assertThat(in.readAllBytes()).as("%d bytes", b.length).isEqualTo(b);
        }
      }
      // the same through a gzip recipe: the uncompressed contents are cut the same way
      byte[] small = TestData.text(4, 300);
      Path raw = dir.resolve("small");
      Files.write(raw, small);
      Path gz = GoGzip.gzip(raw, 6);
      byte[] gzBytes = Files.readAllBytes(gz);
      e.blobs().putFile(gz, sha(gzBytes));
      try (InputStream in = e.blobs().open(sha(gzBytes), 0, -1)) {
        assertThat(in.readAllBytes()).isEqualTo(gzBytes);
      }
    }
  }
}
