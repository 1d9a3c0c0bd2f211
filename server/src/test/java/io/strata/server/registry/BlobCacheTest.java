package io.strata.server.registry;

import static org.assertj.core.api.Assertions.assertThat;

import io.strata.store.digest.Digest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The registry's bounded cache of whole gzip blobs. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class BlobCacheTest {
  @TempDir Path dir;

  private Path file(String name, int size) throws Exception {
    Path p = dir.resolve(name);
    byte[] b = new byte[size];
    b[0] = (byte) name.hashCode();
    Files.write(p, b);
    return p;
  }

  private static Digest digest(int i) {
    byte[] b = {(byte) i};
    return Digest.sha256(b, 0, 1);
  }

  @Test
  void keepsCopiesWithinItsBoundLeastRecentlyUsedOutFirst() throws Exception {
    BlobCache c = new BlobCache(dir.resolve("cache"), 3000);
    c.keepSpool(digest(1), file("a", 1000));
    c.keepSpool(digest(2), file("b", 1000));
    c.keepSpool(digest(3), file("c", 1000));
    assertThat(c.bytes()).isEqualTo(3000);
    // 1 used: 2 is now the least recently used, and goes when 4 comes
    assertThat(c.get(digest(1))).isNotNull();
    c.keepSpool(digest(4), file("d", 1000));
    assertThat(c.bytes()).isEqualTo(3000);
    assertThat(c.get(digest(2))).isNull();
    assertThat(Files.exists(dir.resolve("cache").resolve(digest(2).hex()))).isFalse();
    assertThat(Files.readAllBytes(c.get(digest(1)).file()))
        .isEqualTo(Files.readAllBytes(dir.resolve("a")));
    // the spool a copy was linked from can go: the copy stays
    Files.delete(dir.resolve("d"));
    assertThat(Files.size(c.get(digest(4)).file())).isEqualTo(1000);
    // a copy larger than the bound is not kept, and evicts nothing
    c.keepSpool(digest(5), file("e", 4000));
    assertThat(c.get(digest(5))).isNull();
    assertThat(c.bytes()).isEqualTo(3000);
    c.drop(digest(1));
    assertThat(c.get(digest(1))).isNull();
    assertThat(c.bytes()).isEqualTo(2000);
  }

  @Test
  void aCopyThatWouldLeaveLessThanTheHeadroomUsableIsNotKept() throws Exception {
    Path cacheDir = dir.resolve("cache");
    // no file system has this much usable: every copy is past the headroom
    BlobCache tight = new BlobCache(cacheDir, 10_000, Long.MAX_VALUE);
    tight.keepSpool(digest(1), file("a", 1000));
    Path partial = tight.partial();
    Files.write(partial, new byte[1000]);
    tight.commit(digest(2), partial);
    assertThat(tight.get(digest(1))).isNull();
    assertThat(tight.get(digest(2))).isNull();
    assertThat(tight.bytes()).isZero();
    // and a pull makes no copy aside to begin with (T1: the copy filled the disk and cut the pull)
    assertThat(tight.hasRoomFor(1000)).isFalse();
    try (var left = Files.list(cacheDir)) {
      assertThat(left).isEmpty();
    }
    // the spool itself is not the cache's to delete
    assertThat(Files.exists(dir.resolve("a"))).isTrue();
    // the headroom of a real file system: a tenth of it, at most 1 GiB
    var fs = Files.getFileStore(dir);
    assertThat(BlobCache.headroomFor(fs))
        .isEqualTo(Math.min(BlobCache.MAX_HEADROOM, fs.getTotalSpace() / 10));
    BlobCache roomy = new BlobCache(cacheDir, 10_000, 0);
    assertThat(roomy.hasRoomFor(1000)).isTrue();
    roomy.keepSpool(digest(1), dir.resolve("a"));
    assertThat(roomy.get(digest(1))).isNotNull();
    assertThat(roomy.bytes()).isEqualTo(1000);
  }

  @Test
  void aFullDiskEmptiesTheCacheWhileAReaderOfACopyKeepsReading() throws Exception {
    Path cacheDir = dir.resolve("cache");
    BlobCache c = new BlobCache(cacheDir, 1 << 20, 0);
    byte[] blob = new byte[3 * CachedCopyBody.BLOCK + 123];
    new java.util.Random(7).nextBytes(blob);
    Digest d = Digest.sha256(blob, 0, blob.length);
    Files.write(dir.resolve("spool"), blob);
    c.keepSpool(d, dir.resolve("spool"));
    c.keepSpool(digest(2), file("b", 1000));
    Files.delete(dir.resolve("spool"));
    assertThat(c.bytes()).isEqualTo(blob.length + 1000);
    // a pull that opened the copy before the disk filled
    java.io.InputStream reader =
        CachedCopyBody.open(c, c.get(d), blob.length, 0, blob.length).stream();
    Failures failures = new Failures(dir, c::clear);
    RegistryError e = failures.map(new java.io.IOException("write: No space left on device"), null);
    assertThat(e.status().code()).isEqualTo(507);
    assertThat(c.bytes()).isZero();
    assertThat(c.get(d)).isNull();
    assertThat(c.get(digest(2))).isNull();
    try (var left = Files.list(cacheDir)) {
      assertThat(left).isEmpty();
    }
    try (reader) {
      assertThat(reader.readAllBytes()).isEqualTo(blob);
    }
    // any other failure leaves the cache be
    c.keepSpool(digest(3), file("c", 1000));
    failures.map(new java.io.IOException("Input/output error"), null);
    assertThat(c.get(digest(3))).isNotNull();
  }

  @Test
  void aRestartCountsWhatIsThereDeletesPartialsAndHonoursASmallerBound() throws Exception {
    BlobCache c = new BlobCache(dir.resolve("cache"), 10_000);
    c.keepSpool(digest(1), file("a", 1000));
    c.keepSpool(digest(2), file("b", 1000));
    Path partial = c.partial();
    Files.write(partial, new byte[10]);
    BlobCache again = new BlobCache(dir.resolve("cache"), 1500);
    assertThat(again.bytes()).isEqualTo(1000);
    assertThat(Files.exists(partial)).isFalse();
    BlobCache off = new BlobCache(dir.resolve("cache"), 0);
    assertThat(off.enabled()).isFalse();
    assertThat(off.bytes()).isZero();
    off.keepSpool(digest(3), file("c", 10));
    assertThat(off.get(digest(3))).isNull();
    try (var s = Files.list(dir.resolve("cache"))) {
      assertThat(s.count()).isZero();
    }
  }
}
