package io.strata.store.fs;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The access times reads set wait in memory, but never more than {@link AccessLog#MAX_PENDING}. */
@Timeout(10)
class AccessLogTest {
  @Test
  void aFullLogIsDueAtOnceAndAFewWaitTheirTime() {
    AccessLog log = new AccessLog();
    long now = 1_000_000_000_000L;
    for (int ino = 1; ino < AccessLog.MAX_PENDING; ino++) {
      log.record(ino, now);
    }
    assertThat(log.due(now)).as("fewer than the cap, just recorded").isFalse();
    assertThat(log.due(now + AccessLog.FLUSH_AFTER_NANOS)).isTrue();
    log.record(AccessLog.MAX_PENDING, now);
    assertThat(log.due(now)).as("a walk reading every file writes them as it goes").isTrue();
    assertThat(log.drain()).hasSize(AccessLog.MAX_PENDING);
    assertThat(log.due(now)).isFalse();
  }
}
