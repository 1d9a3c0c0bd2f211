package io.strata.store.deflate.klauspost;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * klauspost's quicksort, copied step for step, sorts (frequency, symbol) keys as any correct sort
 * does while it has depth left: every size a Huffman code sorts, frequencies from flat to skewed.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class SortByFreqTest {
  @Test
  void sortsLikeAnyCorrectSort() {
    SplittableRandom r = new SplittableRandom(15);
    for (int round = 0; round < 3000; round++) {
      int n = 3 + r.nextInt(284);
      int spread = 1 + r.nextInt(round % 3 == 0 ? 4 : 65535);
      long[] keys = new long[n];
      int[] symbols = r.ints(0, 286).distinct().limit(n).toArray();
      for (int i = 0; i < n; i++) {
        keys[i] = (long) (1 + r.nextInt(spread)) << 16 | symbols[i];
      }
      long[] expected = keys.clone();
      Arrays.sort(expected);
      SortByFreq.sort(keys, n);
      assertThat(keys).as("round %d, %d keys", round, n).isEqualTo(expected);
    }
  }
}
