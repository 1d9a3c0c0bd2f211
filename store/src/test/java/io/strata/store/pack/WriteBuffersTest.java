package io.strata.store.pack;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The write buffers of an open pack are allocated with the store, not when a pack is created: a
 * server's peers share direct memory with it, and a pack writer that asked for its buffer while
 * they held all of it died.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class WriteBuffersTest {
  private static long directBuffers() {
    return ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class).stream()
        .filter(p -> p.getName().equals("direct"))
        .findFirst()
        .orElseThrow()
        .getCount();
  }

  @Test
  void theBuffersOfAPackAreTakenWhenTheStoreOpensAndPassedOn() throws Exception {
    long before = directBuffers();
    WriteBuffers buffers = new WriteBuffers();
    assertThat(directBuffers() - before).isEqualTo(WriteBuffers.RESERVE);

    long opened = directBuffers();
    ByteBuffer a = buffers.take();
    ByteBuffer b = buffers.take();
    assertThat(directBuffers()).as("buffers allocated by a new pack").isEqualTo(opened);
    assertThat(a.capacity()).isEqualTo(WriteBuffers.SIZE);
    assertThat(b).isNotSameAs(a);

    // a sealed pack gives them back, and the next takes the same ones
    buffers.give(a);
    buffers.give(b);
    assertThat(buffers.take()).isIn(a, b);
    assertThat(directBuffers()).isEqualTo(opened);
  }
}
