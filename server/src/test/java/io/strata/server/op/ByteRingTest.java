package io.strata.server.op;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 30, unit = TimeUnit.SECONDS)
class ByteRingTest {
  @Test
  void bytesComeOutInOrderAcrossTheWrapAndNeverBeyondCapacity() {
    ByteRing ring = new ByteRing(10);
    assertThat(ring.isEmpty()).isTrue();
    assertThat(ring.put(bytes(0, 7), 0, 7)).isEqualTo(7);
    byte[] out = new byte[20];
    assertThat(ring.take(out, 0, 5)).isEqualTo(5);
    // 2 held from index 5; the free space wraps: 3 fit up to the end, then 5 more from index 0.
    assertThat(ring.put(bytes(7, 9), 0, 9)).isEqualTo(3);
    assertThat(ring.put(bytes(10, 6), 0, 6)).isEqualTo(5);
    assertThat(ring.isFull()).isTrue();
    assertThat(ring.put(bytes(99, 1), 0, 1)).isZero();
    // Out comes the piece up to the end, then the wrapped piece.
    assertThat(ring.take(out, 5, 20)).isEqualTo(5);
    assertThat(ring.take(out, 10, 20)).isEqualTo(5);
    assertThat(ring.isEmpty()).isTrue();
    assertThat(ring.take(out, 15, 1)).isZero();
    assertThat(java.util.Arrays.copyOf(out, 15)).isEqualTo(bytes(0, 15));
  }

  @Test
  void aRandomInterleavingOfPutsAndTakesKeepsTheStream() {
    Random r = new Random(7);
    ByteRing ring = new ByteRing(37);
    byte[] in = new byte[100_000];
    r.nextBytes(in);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    byte[] buf = new byte[64];
    int written = 0;
    while (out.size() < in.length) {
      if (written < in.length && r.nextBoolean()) {
        int size = ring.size();
        int n = ring.put(in, written, Math.min(in.length - written, 1 + r.nextInt(50)));
        assertThat(ring.size()).isEqualTo(size + n).isLessThanOrEqualTo(37);
        written += n;
      } else {
        int n = ring.take(buf, 0, 1 + r.nextInt(64));
        out.write(buf, 0, n);
      }
    }
    assertThat(out.toByteArray()).isEqualTo(in);
  }

  private static byte[] bytes(int from, int n) {
    byte[] b = new byte[n];
    for (int i = 0; i < n; i++) {
      b[i] = (byte) (from + i);
    }
    return b;
  }
}
