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
