package io.strata.store.fs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Chunks read whole are kept between reads for the whole process, a bounded number, each lent to
 * one reader at a time.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class LastChunkTest {
  private final AtomicInteger fills = new AtomicInteger();

  private LastChunk.Fill filling(byte value, int length) {
    return buffer -> {
      fills.incrementAndGet();
      java.util.Arrays.fill(buffer, 0, length, value);
      return length;
    };
  }

  @Test
  void aChunkReadAgainIsNotFilledAgain() throws IOException {
    Object key = new Object();
    try (LastChunk c = LastChunk.of(key, filling((byte) 7, 100))) {
      assertThat(c.length()).isEqualTo(100);
      assertThat(c.bytes()[99]).isEqualTo((byte) 7);
    }
    try (LastChunk c = LastChunk.of(key, filling((byte) 9, 50))) {
      assertThat(c.length()).isEqualTo(100);
      assertThat(c.bytes()[0]).isEqualTo((byte) 7);
    }
    assertThat(fills).hasValue(1);
  }

  @Test
  void aChunkLentToOneReaderIsNotSharedWithAnother() throws IOException {
    Object key = new Object();
    try (LastChunk first = LastChunk.of(key, filling((byte) 1, 10));
        LastChunk second = LastChunk.of(key, filling((byte) 1, 10))) {
      assertThat(second).isNotSameAs(first);
      assertThat(second.bytes()).isNotSameAs(first.bytes());
    }
    assertThat(fills).hasValue(2);
  }

  @Test
  void atMostKeptChunksStayBetweenReadsHoweverManyReadersThereWere() throws IOException {
    List<LastChunk> held = new ArrayList<>();
    for (int i = 0; i < 3 * LastChunk.KEPT; i++) {
      held.add(LastChunk.of(new Object(), filling((byte) i, 1)));
    }
    held.forEach(LastChunk::close);
    assertThat(LastChunk.kept()).isEqualTo(LastChunk.KEPT);
  }

  @Test
  void aFillThatFailsKeepsNothingUnderItsKey() throws IOException {
    Object key = new Object();
    assertThatThrownBy(
            () ->
                LastChunk.of(
                    key,
                    buffer -> {
                      buffer[0] = 42;
                      throw new IOException("pack unreadable");
                    }))
        .hasMessage("pack unreadable");
    try (LastChunk c = LastChunk.of(key, filling((byte) 5, 3))) {
      assertThat(c.bytes()[0]).isEqualTo((byte) 5);
    }
    assertThat(fills).hasValue(1);
  }
}
