package io.strata.store.pack;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The write buffers of an open pack are allocated with the store, not when a pack is created: a
 * server's peers share direct memory with it, and a pack writer that asked for its buffer while
 * they held all of it died. Counted by the set itself: the JVM's count of direct buffers also moves
 * when a collection frees another test's (it failed a CI run once so).
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class WriteBuffersTest {
  @Test
  void theBuffersOfAPackAreTakenWhenTheStoreOpensAndPassedOn() throws Exception {
    WriteBuffers buffers = new WriteBuffers();
    assertThat(buffers.allocated()).isEqualTo(WriteBuffers.RESERVE);

    ByteBuffer a = buffers.take();
    ByteBuffer b = buffers.take();
    assertThat(buffers.allocated()).as("buffers allocated by a new pack").isEqualTo(2);
    assertThat(a.isDirect()).isTrue();
    assertThat(a.capacity()).isEqualTo(WriteBuffers.SIZE);
    assertThat(b).isNotSameAs(a);

    // a sealed pack gives them back, and the next takes the same ones
    buffers.give(a);
    buffers.give(b);
    assertThat(buffers.take()).isIn(a, b);
    assertThat(buffers.allocated()).isEqualTo(2);

    // only a buffer lost to a failure is allocated anew
    buffers.take();
    buffers.take();
    assertThat(buffers.allocated()).isEqualTo(3);
  }
}
