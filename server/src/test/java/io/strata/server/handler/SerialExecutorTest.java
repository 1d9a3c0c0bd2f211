package io.strata.server.handler;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class SerialExecutorTest {
  @Test
  void runsTasksOneAtATimeInOrderOnAPool() throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      SerialExecutor serial = new SerialExecutor(pool);
      List<Integer> seen = Collections.synchronizedList(new ArrayList<>());
      int[] concurrent = {0};
      int[] maxConcurrent = {0};
      CountDownLatch done = new CountDownLatch(1000);
      for (int i = 0; i < 1000; i++) {
        int n = i;
        serial.execute(
            () -> {
              synchronized (concurrent) {
                maxConcurrent[0] = Math.max(maxConcurrent[0], ++concurrent[0]);
              }
              seen.add(n);
              synchronized (concurrent) {
                concurrent[0]--;
              }
              done.countDown();
            });
      }
      assertThat(done.await(10, TimeUnit.SECONDS)).isTrue();
      assertThat(maxConcurrent[0]).isEqualTo(1);
      for (int i = 0; i < 1000; i++) {
        assertThat(seen.get(i)).isEqualTo(i);
      }
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void runsLeftoverTasksWhenThePoolIsShutDown() {
    ExecutorService pool = Executors.newSingleThreadExecutor();
    pool.shutdown();
    SerialExecutor serial = new SerialExecutor(pool);
    boolean[] ran = {false};
    serial.execute(() -> ran[0] = true);
    assertThat(ran[0]).isTrue();
  }
}
