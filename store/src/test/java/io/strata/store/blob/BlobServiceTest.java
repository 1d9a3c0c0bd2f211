package io.strata.store.blob;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.strata.store.Engine;
import io.strata.store.chunk.ChunkerParams;
import io.strata.store.compress.Compression;
import io.strata.store.digest.Digest;
import io.strata.store.engine.ChunkStore;
import io.strata.store.error.NotFoundException;
import io.strata.store.testing.TestData;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class BlobServiceTest {
  @TempDir Path dir;

  private Engine open(String compression) throws IOException {
    return Engine.open(
        dir, null, ChunkStore.Options.defaults().withCompression(Compression.parse(compression)));
  }

  /** A range read never says more is available than the range holds (HTTP Range streams). */
  @org.junit.jupiter.api.Test
  void aRangeReadEndsAtItsEndAndSaysSo() throws IOException {
    byte[] o = TestData.random(7, 100_000);
    try (Engine e = open("zstd:3")) {
      PutResult r = e.blobs().put(new ByteArrayInputStream(o));
      try (java.io.InputStream in = e.blobs().open(r.digest(), 1000, 1000)) {
        assertThat(in.readNBytes(1000)).isEqualTo(java.util.Arrays.copyOfRange(o, 1000, 2000));
        assertThat(in.available()).isZero();
        assertThat(in.read()).isEqualTo(-1);
      }
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"zstd:3", "zstd:1", "lz4", "none"})
  void roundTripsEdgeSizesWithEveryCodec(String codec) throws IOException {
    int max = ChunkerParams.DEFAULT.max();
    byte[][] objects = {
      new byte[0],
      new byte[] {42},
      TestData.random(1, max),
      TestData.text(2, max),
      TestData.text(3, 3 * max + 17)
    };
    try (Engine e = open(codec)) {
      for (byte[] o : objects) {
        PutResult r = e.blobs().put(new ByteArrayInputStream(o));
        assertThat(r.digest()).isEqualTo(Digest.sha256(o, 0, o.length));
        assertThat(r.size()).isEqualTo(o.length);
        assertThat(e.blobs().open(r.digest(), 0, -1).readAllBytes()).isEqualTo(o);
      }
      Digest empty = Digest.sha256(objects[0], 0, 0);
      assertThat(e.blobs().stat(empty).chunks()).isZero();
    }
    // and again after a restart
    try (Engine e = open(codec)) {
      for (byte[] o : objects) {
        assertThat(e.blobs().open(Digest.sha256(o, 0, o.length), 0, -1).readAllBytes())
            .isEqualTo(o);
      }
    }
  }

  @Test
  void aGibibyteStreamsThroughInBoundedMemory() throws Exception {
    long size = 1L << 30;
    try (Engine e = open("zstd:1")) {
      MessageDigest expected = Digest.newSha256();
      InputStream src = new java.security.DigestInputStream(TestData.textStream(7, size), expected);
      PutResult r = e.blobs().put(src);
      assertThat(r.size()).isEqualTo(size);
      assertThat(r.digest()).isEqualTo(Digest.of(expected.digest()));
      MessageDigest back = Digest.newSha256();
      long total = 0;
      try (InputStream in = e.blobs().open(r.digest(), 0, -1)) {
        byte[] buf = new byte[1 << 16];
        int n;
        while ((n = in.read(buf)) > 0) {
          back.update(buf, 0, n);
          total += n;
        }
      }
      assertThat(total).isEqualTo(size);
      assertThat(Digest.of(back.digest())).isEqualTo(r.digest());
    }
  }

  @Test
  void samePutTwiceStoresNothingNew() throws IOException {
    byte[] data = TestData.text(5, 3 << 20);
    try (Engine e = open("zstd:3")) {
      PutResult first = e.blobs().put(new ByteArrayInputStream(data));
      long stored = e.info().storedBytes();
      PutResult second = e.blobs().put(new ByteArrayInputStream(data));
      assertThat(first.newChunks()).isPositive();
      assertThat(second.newChunks()).isZero();
      assertThat(second.newBytes()).isZero();
      assertThat(e.info().storedBytes()).isEqualTo(stored);
      assertThat(e.blobs().list()).hasSize(1);
    }
  }

  /**
   * A put's newBytes are the pack bytes it added, its chunks that joined groups included (AG7: 0
   * for 3 MB of new random bytes, all of them grouped).
   */
  @Test
  @Timeout(value = 2, unit = TimeUnit.MINUTES)
  void newBytesCountChunksStoredInGroups() throws IOException {
    byte[] data = TestData.random(6, 3 << 20);
    try (Engine e = open("zstd:3")) {
      long before = e.info().storedBytes();
      PutResult put = e.blobs().put(new ByteArrayInputStream(data));
      long added = e.info().storedBytes() - before;
      assertThat(put.newChunks()).isPositive();
      assertThat(put.newBytes()).as("store grew by %d", added).isBetween(added * 9 / 10, added);
      assertThat(put.newBytes()).isGreaterThan(data.length * 9L / 10);
    }
  }

  @Test
  void rangedReadsReturnTheSlice() throws IOException {
    byte[] data = TestData.text(9, 2 << 20);
    try (Engine e = open("zstd:3")) {
      Digest d = e.blobs().put(new ByteArrayInputStream(data)).digest();
      long[][] ranges = {
        {0, 10}, {1000, 300_000}, {(2 << 20) - 5, 100}, {65_536, 1}, {2 << 20, 10}
      };
      for (long[] r : ranges) {
        byte[] got = e.blobs().open(d, r[0], r[1]).readAllBytes();
        int from = (int) r[0];
        int to = (int) Math.min(data.length, r[0] + r[1]);
        assertThat(got).isEqualTo(Arrays.copyOfRange(data, from, to));
      }
    }
  }

  @Test
  void statListAndRemove() throws IOException {
    byte[] a = TestData.text(11, 1 << 20);
    byte[] b = TestData.random(12, 300_000);
    try (Engine e = open("zstd:3")) {
      Digest da = e.blobs().put(new ByteArrayInputStream(a)).digest();
      Digest db = e.blobs().put(new ByteArrayInputStream(b)).digest();
      assertThat(e.blobs().list()).extracting(BlobEntry::digest).containsExactlyInAnyOrder(da, db);
      BlobStat st = e.blobs().stat(db);
      assertThat(st.size()).isEqualTo(b.length);
      assertThat(st.uniqueBytes()).isGreaterThanOrEqualTo(b.length);
      e.blobs().remove(da);
      assertThat(e.blobs().list()).extracting(BlobEntry::digest).containsExactly(db);
      assertThatThrownBy(() -> e.blobs().remove(da)).isInstanceOf(NotFoundException.class);
      assertThatThrownBy(() -> e.blobs().open(da, 0, -1)).isInstanceOf(NotFoundException.class);
      assertThatThrownBy(() -> e.blobs().stat(da)).isInstanceOf(NotFoundException.class);
    }
  }
}
