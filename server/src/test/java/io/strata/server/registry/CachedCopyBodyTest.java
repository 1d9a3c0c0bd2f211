package io.strata.server.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.strata.store.digest.Digest;
import io.strata.store.error.CorruptDataException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** No byte of a damaged cached copy is handed over as a blob's, whole or in a range. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class CachedCopyBodyTest {
  private static final int BLOCK = CachedCopyBody.BLOCK;

  @TempDir Path dir;
  BlobCache cache;
  byte[] blob;
  Digest d;

  @BeforeEach
  void cacheOneCopy() throws IOException {
    cache = new BlobCache(dir.resolve("cache"), 1 << 30);
    blob = new byte[5 * BLOCK + 1234];
    new Random(3).nextBytes(blob);
    d = Digest.sha256(blob, 0, blob.length);
    Path spool = dir.resolve("spool");
    Files.write(spool, blob);
    cache.keepSpool(d, spool);
  }

  /** What a client receives of a body: every piece handed over until the end or a failure. */
  private static byte[] drain(CachedCopyBody body, ByteArrayOutputStream got) throws Exception {
    try {
      while (!body.isEndOfInput()) {
        ByteBuf b = body.readChunk(ByteBufAllocator.DEFAULT);
        byte[] piece = new byte[b.readableBytes()];
        b.readBytes(piece);
        b.release();
        got.write(piece);
      }
      return got.toByteArray();
    } finally {
      body.close();
    }
  }

  private void flip(long at) throws IOException {
    try (RandomAccessFile f = new RandomAccessFile(cache.get(d).file().toFile(), "rw")) {
      f.seek(at);
      int b = f.read();
      f.seek(at);
      f.write(b ^ 0x10);
    }
  }

  private byte[] read(long offset, long length) throws Exception {
    return drain(
        CachedCopyBody.open(cache, cache.get(d), blob.length, offset, length),
        new ByteArrayOutputStream());
  }

  @Test
  void aWholeReadChecksTheDigestThenEachBlockIsCheckedByItsSum() throws Exception {
    assertThat(cache.sums(cache.get(d))).as("unchecked yet").isNull();
    assertThat(read(0, blob.length)).isEqualTo(blob);
    assertThat(cache.sums(cache.get(d))).hasSize(6);
    assertThat(read(BLOCK - 10, BLOCK + 20))
        .isEqualTo(Arrays.copyOfRange(blob, BLOCK - 10, 2 * BLOCK + 10));
    assertThat(read(blob.length - 1, 1)).containsExactly(blob[blob.length - 1]);
  }

  @Test
  void aDamagedCopyReadWholeFailsBeforeItsLastBlockAndIsDropped() throws Exception {
    Path file = cache.get(d).file();
    flip(2 * BLOCK + 7);
    ByteArrayOutputStream got = new ByteArrayOutputStream();
    CachedCopyBody body = CachedCopyBody.open(cache, cache.get(d), blob.length, 0, blob.length);
    assertThatThrownBy(() -> drain(body, got))
        .isInstanceOf(CorruptDataException.class)
        .hasMessageContaining(d.toString());
    // the damaged byte was handed over: only a digest over all of it could tell, so the end is
    // withheld, and the client sees a transfer cut short
    assertThat(got.size()).isEqualTo(5 * BLOCK).isLessThan(blob.length);
    assertThat(cache.get(d)).isNull();
    assertThat(file).doesNotExist();
  }

  @Test
  void onceCheckedADamagedBlockFailsTheReadsThatReachIt() throws Exception {
    read(0, blob.length);
    flip(3 * BLOCK + 100);
    // a range starting before the damage is cut where it meets it
    ByteArrayOutputStream got = new ByteArrayOutputStream();
    CachedCopyBody body = CachedCopyBody.open(cache, cache.get(d), blob.length, 10, 4 * BLOCK);
    assertThatThrownBy(() -> drain(body, got)).isInstanceOf(CorruptDataException.class);
    assertThat(got.toByteArray()).isEqualTo(Arrays.copyOfRange(blob, 10, 3 * BLOCK));
    assertThat(cache.get(d)).as("dropped").isNull();
  }

  @Test
  void aRangeStartingInADamagedBlockFailsWhenOpenedBeforeAnyAnswer() throws Exception {
    read(0, blob.length);
    flip(3 * BLOCK + 100);
    assertThatThrownBy(
            () -> CachedCopyBody.open(cache, cache.get(d), blob.length, 3 * BLOCK + 50, 100))
        .isInstanceOf(CorruptDataException.class);
    assertThat(cache.get(d)).isNull();
  }

  @Test
  void anUncheckedCopyIsCheckedWholeBeforeARangeIsReadFromIt() throws Exception {
    // a range alone cannot check a copy: refused as if the copy were gone, the store serves it
    assertThatThrownBy(() -> CachedCopyBody.open(cache, cache.get(d), blob.length, 70_000, 5))
        .isInstanceOf(IOException.class);
    assertThat(CachedCopyBody.check(cache, cache.get(d), blob.length)).isTrue();
    try (InputStream in =
        CachedCopyBody.open(cache, cache.get(d), blob.length, 70_000, 5).stream()) {
      assertThat(in.readAllBytes()).isEqualTo(Arrays.copyOfRange(blob, 70_000, 70_005));
    }
    cache = new BlobCache(dir.resolve("cache"), 1 << 30); // a restart: sums are not kept
    flip(blob.length - 1);
    assertThat(CachedCopyBody.check(cache, cache.get(d), blob.length)).isFalse();
    assertThat(cache.get(d)).isNull();
  }

  @Test
  void aReaderOfAnOldCopyDoesNotDropTheCopyMadeSince() throws Exception {
    BlobCache.Copy old = cache.get(d);
    flip(5);
    Path spool = dir.resolve("again");
    Files.write(spool, blob);
    // the old file was replaced by a good one while a reader had it open
    CachedCopyBody reader = CachedCopyBody.open(cache, old, blob.length, 0, blob.length);
    cache.keepSpool(d, spool);
    assertThatThrownBy(() -> drain(reader, new ByteArrayOutputStream()))
        .isInstanceOf(CorruptDataException.class);
    assertThat(cache.get(d)).isNotNull();
    assertThat(read(0, blob.length)).isEqualTo(blob);
  }
}
