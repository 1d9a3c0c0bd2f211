package io.strata.driver.zfs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.strata.store.error.CorruptDataException;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The driver's records round-trip, and damaged ones are reported, not misread. */
class DatasetRecordTest {
  @Test
  void aDatasetRecordRoundTrips() {
    DatasetRecord r =
        new DatasetRecord(7, 3, List.of(1L, 7L), Map.of("recordsize", "16K", "dedup", "off"));
    assertThat(DatasetRecord.decode(r.encode(), "k")).isEqualTo(r);
  }

  @Test
  void aPoolRecordWithAPendingPromoteRoundTrips() {
    byte[] ext = DatasetRecord.create(2, 1).encode();
    PoolRecord p =
        new PoolRecord(
            Map.of("compression", "lz4"),
            List.of(new PoolRecord.Update("a", null, ext), new PoolRecord.Update("b", "a", ext)));
    PoolRecord back = PoolRecord.decode(p.encode());
    assertThat(back.properties()).isEqualTo(p.properties());
    assertThat(back.pending()).hasSize(2);
    assertThat(back.pending().get(0).parent()).isNull();
    assertThat(back.pending().get(1).parent()).isEqualTo("a");
    assertThat(back.pending().get(1).extension()).isEqualTo(ext);
  }

  @Test
  void damagedRecordsAreCorruptData() {
    byte[] good = DatasetRecord.create(5, 0).withProperty("dedup", "off").encode();
    byte[] truncated = Arrays.copyOf(good, good.length - 3);
    byte[] longer = Arrays.copyOf(good, good.length + 1);
    byte[] version = good.clone();
    version[0] = 9;
    for (byte[] bad : List.of(truncated, longer, version, new byte[0])) {
      assertThatThrownBy(() -> DatasetRecord.decode(bad, "k"))
          .isInstanceOf(CorruptDataException.class);
    }
    assertThatThrownBy(() -> PoolRecord.decode(new byte[] {1, 0}))
        .isInstanceOf(CorruptDataException.class);
  }
}
