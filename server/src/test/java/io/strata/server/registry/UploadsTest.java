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
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Uploads in progress: their spools, rollbacks, expiry and cap. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
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

  private static long openDescriptors() throws Exception {
    try (var fds = Files.list(Path.of("/proc/self/fd"))) {
      return fds.count();
    }
  }

  @Test
  void uploadsWaitingForTheirNextRequestHoldNoDescriptor() throws Exception {
    Manual clock = new Manual();
    Uploads uploads = new Uploads(dir.resolve("u"), Duration.ofMinutes(10), clock);
    long before = openDescriptors();
    List<Upload> started = new ArrayList<>();
    for (int i = 0; i < 300; i++) {
      Upload u = uploads.start("a/b");
      started.add(u);
      assertThat(u.claim(clock.millis())).isTrue();
      append(u, "part of " + i, clock.millis());
      if (i % 2 == 0) {
        u.release(clock.millis());
      } else {
        // a chunk that failed half way: rolled back, and closed too
        u.rollBack(clock.millis());
        assertThat(u.size()).isZero();
      }
      assertThat(u.open()).isFalse();
    }
    assertThat(uploads.count()).isEqualTo(300);
    // a few for the JVM's own use meanwhile, never one per upload
    assertThat(openDescriptors()).isLessThan(before + 20);
    // an abandoned one, resumed by a later PATCH and its final chunk, ends with the right bytes
    Upload u = started.get(0);
    assertThat(u.claim(clock.millis())).isTrue();
    append(u, " and more", clock.millis());
    u.release(clock.millis());
    assertThat(u.claim(clock.millis())).isTrue();
    append(u, " and the end", clock.millis());
    assertThat(u.open()).isTrue();
    u.release(clock.millis());
    byte[] want = "part of 0 and more and the end".getBytes(StandardCharsets.UTF_8);
    assertThat(u.digest()).isEqualTo(Digest.sha256(want, 0, want.length));
    assertThat(Files.readAllBytes(u.file())).isEqualTo(want);
    uploads.close();
  }

  @Test
  void uploadsPastTheCapAreRefusedWithTooManyRequests() throws Exception {
    Manual clock = new Manual();
    Uploads uploads = new Uploads(dir.resolve("u"), Duration.ofMinutes(10), clock, 3);
    for (int i = 0; i < 3; i++) {
      uploads.start("a/b");
    }
    assertThatThrownBy(() -> uploads.start("a/b"))
        .isInstanceOfSatisfying(
            RegistryError.class, e -> assertThat(e.status().code()).isEqualTo(429))
        .hasMessageContaining("upload to a/b: 3 uploads are in progress");
    try (var spools = Files.list(dir.resolve("u"))) {
      assertThat(spools).hasSize(3);
    }
    // one ending makes room
    clock.millis += Duration.ofMinutes(11).toMillis();
    assertThat(uploads.expire()).isEqualTo(3);
    assertThat(uploads.start("a/b")).isNotNull();
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
