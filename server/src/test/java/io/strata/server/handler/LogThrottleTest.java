package io.strata.server.handler;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** A flood of refusals is one line a minute, however many threads refuse at once. */
@Timeout(10)
class LogThrottleTest {
  @Test
  void theFirstEventIsLoggedAndTheRestOfTheMinuteIsCounted() throws Exception {
    LogThrottle t = new LogThrottle();
    AtomicInteger lines = new AtomicInteger();
    ExecutorService pool = Executors.newFixedThreadPool(4);
    for (int i = 0; i < 4000; i++) {
      pool.execute(
          () -> {
            if (t.admit() >= 0) {
              lines.incrementAndGet();
            }
          });
    }
    pool.shutdown();
    assertThat(pool.awaitTermination(5, TimeUnit.SECONDS)).isTrue();
    assertThat(lines.get()).isEqualTo(1);
    assertThat(LogThrottle.more(3999)).isEqualTo(" (and 3999 more since the last such line)");
    assertThat(LogThrottle.more(0)).isEmpty();
  }
}
