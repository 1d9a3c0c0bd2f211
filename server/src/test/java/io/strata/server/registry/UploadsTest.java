package io.strata.server.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.strata.store.digest.Digest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class UploadsTest {
  @TempDir Path dir;

  /** A clock the test moves. */
  private static final class Manual extends Clock {
    long millis = 1_000_000;

    @Override
    public ZoneOffset getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(java.time.ZoneId zone) {
      return this;
    }

    @Override
    public Instant instant() {
      return Instant.ofEpochMilli(millis);
    }
  }

  private static void append(Upload u, String s, long now) throws Exception {
    ByteBuf b = Unpooled.copiedBuffer(s, StandardCharsets.UTF_8);
    try {
      u.append(b, now);
    } finally {
      b.release();
    }
  }

  @Test
  void aRolledBackChunkLeavesTheUploadAsTheRequestFoundIt() throws Exception {
    Manual clock = new Manual();
    Uploads uploads = new Uploads(dir.resolve("u"), Duration.ofMinutes(10), clock);
    Upload u = uploads.start("a/b");
    assertThat(u.claim(clock.millis())).isTrue();
    append(u, "hello ", clock.millis());
    u.release(clock.millis());
    assertThat(u.claim(clock.millis())).isTrue();
    // another request cannot claim it meanwhile
    assertThat(u.claim(clock.millis())).isFalse();
    append(u, "garbage", clock.millis());
    u.rollBack(clock.millis());
    assertThat(u.size()).isEqualTo(6);
    assertThat(Files.size(u.file())).isEqualTo(6);
    assertThat(u.claim(clock.millis())).isTrue();
    append(u, "world", clock.millis());
    u.release(clock.millis());
    byte[] want = "hello world".getBytes(StandardCharsets.UTF_8);
    assertThat(u.digest()).isEqualTo(Digest.sha256(want, 0, want.length));
    assertThat(Files.readAllBytes(u.file())).isEqualTo(want);
    uploads.close();
  }

  @Test
  void abandonedUploadsExpireButOnesInUseDoNot() throws Exception {
    Manual clock = new Manual();
    Uploads uploads = new Uploads(dir.resolve("u"), Duration.ofMinutes(10), clock);
    Upload idle = uploads.start("a/b");
    Upload busy = uploads.start("a/b");
    assertThat(busy.claim(clock.millis())).isTrue();
    clock.millis += Duration.ofMinutes(9).toMillis();
    assertThat(uploads.expire()).isZero();
    clock.millis += Duration.ofMinutes(2).toMillis();
    assertThat(uploads.expire()).isEqualTo(1);
    assertThat(Files.exists(idle.file())).isFalse();
    assertThatThrownBy(() -> uploads.get("a/b", idle.id())).isInstanceOf(RegistryError.class);
    assertThat(uploads.get("a/b", busy.id())).isSameAs(busy);
    // an upload is found only in its own repository
    assertThatThrownBy(() -> uploads.get("c/d", busy.id())).isInstanceOf(RegistryError.class);
    uploads.close();
  }

  @Test
  void spoolsLeftByAnEarlierRunAreDeletedAtStart() throws Exception {
    Path d = dir.resolve("u");
    Files.createDirectories(d);
    Files.writeString(d.resolve("0f0e0d0c-0b0a-4909-8807-060504030201"), "left over");
    new Uploads(d, Duration.ofMinutes(1), new Manual()).close();
    try (var s = Files.list(d)) {
      assertThat(s.count()).isZero();
    }
  }
}
