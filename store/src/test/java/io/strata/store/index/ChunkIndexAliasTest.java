package io.strata.store.index;

import static org.assertj.core.api.Assertions.assertThat;

import io.strata.store.digest.Digest;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** {@link ChunkIndex#alias}: a duplicate moves to its canonical copy, only from where it was. */
@Timeout(value = 10, unit = TimeUnit.SECONDS)
class ChunkIndexAliasTest {
  private static final Digest D = Digest.sha256(new byte[] {9}, 0, 1);
  private static final long CANONICAL = Locations.encode(1, 64, 10);
  private static final long DUPLICATE = Locations.encode(2, 64, 10);

  @Test
  void aDuplicateAtItsOwnRecordMovesAndLookupsFindEitherIdAtTheCanonicalRecord() {
    ChunkIndex index = new ChunkIndex(0);
    index.insert(3, D, CANONICAL);
    index.insert(9, D, DUPLICATE);
    assertThat(index.alias(9, DUPLICATE, CANONICAL, D)).isTrue();
    assertThat(index.location(9)).isEqualTo(CANONICAL);
    assertThat(index.location(index.lookup(D))).isEqualTo(CANONICAL);
    assertThat(index.lookupAll(D)).containsExactlyInAnyOrder(3, 9);
    // Applying the same map again changes nothing.
    assertThat(index.alias(9, DUPLICATE, CANONICAL, D)).isFalse();
  }

  @Test
  void anAbsentDuplicateIsAddedAtTheCanonicalRecordAndItsIdIsNotHandedOutAgain() {
    ChunkIndex index = new ChunkIndex(0);
    index.lease(0, 100, null);
    index.insert(3, D, CANONICAL);
    assertThat(index.alias(9, DUPLICATE, CANONICAL, D)).isTrue();
    assertThat(index.location(9)).isEqualTo(CANONICAL);
    assertThat(index.digest(9)).isEqualTo(D);
    assertThat(index.nextId()).isEqualTo(10);
  }

  @Test
  void aChunkFoundElsewhereIsLeftAlone() {
    ChunkIndex index = new ChunkIndex(0);
    long elsewhere = Locations.encode(5, 64, 10);
    index.insert(9, D, elsewhere);
    assertThat(index.alias(9, DUPLICATE, CANONICAL, D)).isFalse();
    assertThat(index.location(9)).isEqualTo(elsewhere);
  }
}
