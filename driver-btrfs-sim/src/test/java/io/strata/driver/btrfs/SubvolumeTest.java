package io.strata.driver.btrfs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.strata.store.error.CorruptDataException;
import java.nio.ByteBuffer;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The subvolume record: version 2, and version 1 records written before transactions. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class SubvolumeTest {
  private static final UUID U = new UUID(1, 2);
  private static final UUID P = new UUID(3, 4);

  @Test
  void aVersionOneRecordReadsAsLastChangedInItsGeneration() {
    byte[] v1 =
        ByteBuffer.allocate(1 + 4 * 8 + 1 + 16 + 16)
            .put((byte) 1)
            .putLong(257)
            .putLong(12)
            .putLong(9)
            .putLong(256)
            .put((byte) 1)
            .putLong(1)
            .putLong(2)
            .putLong(3)
            .putLong(4)
            .array();
    Subvolume s = Subvolume.decode(v1, "layer");
    assertThat(s).isEqualTo(new Subvolume(257, 12, 9, 256, true, U, P, "layer", 12));
    assertThat(s.visible(11)).as("its change is committed").isEqualTo(s);
  }

  @Test
  void versionTwoRoundTripsAndShowsTheCommittedGeneration() {
    Subvolume made = Subvolume.made(258, 20, 256, false, U, P, "c");
    Subvolume changed = made.changed(21).changed(21);
    assertThat(changed.generation()).isEqualTo(20);
    assertThat(changed.lastChange()).isEqualTo(21);
    assertThat(Subvolume.decode(changed.encode(), "c")).isEqualTo(changed);
    assertThat(changed.visible(20).generation()).as("21 still running").isEqualTo(20);
    assertThat(changed.visible(21).generation()).isEqualTo(21);
    assertThat(changed.changed(23).generation()).as("the last change, committed").isEqualTo(21);
    assertThat(changed.snapshotted(24))
        .isEqualTo(new Subvolume(258, 24, 20, 256, false, U, P, "c", 24));
    assertThat(changed.committed("layer").generation()).isEqualTo(20);
  }

  @Test
  void aDamagedRecordIsReported() {
    byte[] b = Subvolume.made(258, 20, 256, false, U, P, "c").encode();
    b[0] = 3;
    assertThatThrownBy(() -> Subvolume.decode(b, "c"))
        .isInstanceOf(CorruptDataException.class)
        .hasMessageContaining("snapshot c");
    assertThatThrownBy(() -> Subvolume.decode(new byte[5], "c"))
        .isInstanceOf(CorruptDataException.class);
  }
}
