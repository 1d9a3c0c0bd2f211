package io.strata.perf.driver;

import java.io.IOException;

/**
 * Times making something from a small and from a large base (a snapshot of a tree, a container of
 * an image) and removing it again, interleaved so both meet the same load: unrecorded warm-ups of
 * each first, then each repetition does both, alternating which goes first so neither always
 * follows the other's removal.
 */
final class InterleavedTiming {
  /** Makes and removes one thing from base {@code k} (0 small, 1 large); returns both nanos. */
  interface MakeAndRemove {
    long[] run(int k, String suffix) throws IOException;
  }

  /**
   * The times, indexed {@code [base][repetition]}, in nanoseconds.
   *
   * @param make making it
   * @param remove removing it
   */
  record Times(long[][] make, long[][] remove) {}

  private InterleavedTiming() {}

  static Times measure(int warmUps, int repetitions, MakeAndRemove op) throws IOException {
    for (int i = 0; i < warmUps; i++) {
      for (int k = 0; k < 2; k++) {
        op.run(k, "warm-" + i);
      }
    }
    long[][] make = new long[2][repetitions];
    long[][] remove = new long[2][repetitions];
    for (int i = 0; i < repetitions; i++) {
      for (int j = 0; j < 2; j++) {
        int k = (i + j) % 2;
        long[] took = op.run(k, "c-" + i);
        make[k][i] = took[0];
        remove[k][i] = took[1];
      }
    }
    return new Times(make, remove);
  }
}
