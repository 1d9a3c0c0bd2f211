package io.strata.store.pack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.strata.store.compress.Codec;
import io.strata.store.digest.Digest;
import io.strata.store.error.CorruptDataException;
import io.strata.store.testing.TestData;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The group record's header flag and member table, written and read back, and refused damaged. */
@Timeout(value = 1, unit = TimeUnit.MINUTES)
class GroupTableTest {
  private static final int[] IDS = {7, 8, 12};
  private static final int[] LENS = {1000, 0, 2500};

  private static Digest[] digests() {
    Digest[] d = new Digest[3];
    for (int i = 0; i < 3; i++) {
      byte[] b = TestData.text(i, LENS[i]);
      d[i] = Digest.sha256(b, 0, b.length);
    }
    return d;
  }

  /** A sealed group record of the three members whose "frame" is {@code frameLen} bytes. */
  private static byte[] record(int frameLen) {
    byte[] rec = new byte[PackFormat.recordLength(GroupTable.tableLength(3) + frameLen) + 8];
    int table = GroupTable.write(rec, PackFormat.RECORD_HEADER, 3, IDS, LENS, digests());
    Digest td = Digest.sha256(rec, PackFormat.RECORD_HEADER, table);
    Records.seal(rec, 0, IDS[0], Codec.ZSTD, table + frameLen, 3500, td, 0, true);
    return rec;
  }

  @Test
  void aGroupRecordReadsBackWithItsMembersInOrder() {
    byte[] rec = record(900);
    RecordHeader h = Records.header(rec, 0, rec.length, "test");
    Records.checkCrc(rec, 0, h, "test");
    assertThat(h.grouped()).isTrue();
    assertThat(h.codec()).isEqualTo(Codec.ZSTD);
    assertThat(h.rawLen()).isEqualTo(3500);
    assertThat(h.chunkId()).isEqualTo(7);

    GroupTable t = GroupTable.read(rec, PackFormat.RECORD_HEADER, h, "test");
    assertThat(t.ids()).containsExactly(7, 8, 12);
    assertThat(t.rawLens()).containsExactly(1000, 0, 2500);
    assertThat(t.starts()).containsExactly(0, 1000, 1000);
    assertThat(t.digests()).containsExactly(digests());
    assertThat(t.frameOff()).isEqualTo(GroupTable.tableLength(3));
    assertThat(t.frameLen()).isEqualTo(900);
    assertThat(t.indexOf(12)).isEqualTo(2);
    assertThat(t.indexOf(9)).isEqualTo(-1);
  }

  @Test
  void aPlainRecordIsNotGroupedAndKeepsItsVersion1Bytes() {
    byte[] payload = TestData.text(5, 300);
    Digest d = Digest.sha256(payload, 0, payload.length);
    byte[] rec = new byte[PackFormat.recordLength(payload.length)];
    System.arraycopy(payload, 0, rec, PackFormat.RECORD_HEADER, payload.length);
    Records.seal(rec, 0, 3, Codec.NONE, payload.length, payload.length, d);
    assertThat(rec[4]).isEqualTo((byte) 0);
    assertThat(Records.header(rec, 0, rec.length, "test").grouped()).isFalse();
  }

  @Test
  void aTableWhoseMembersDoNotAddUpToTheRecordIsRefused() {
    byte[] rec = record(900);
    // Member 0 claims 1001 bytes: the table no longer describes the record's 3500.
    Bytes.putInt(rec, PackFormat.RECORD_HEADER + 4 + 4, 1001);
    RecordHeader h = Records.header(rec, 0, rec.length, "test");
    assertThatThrownBy(() -> GroupTable.read(rec, PackFormat.RECORD_HEADER, h, "pack 1 offset 32"))
        .isInstanceOf(CorruptDataException.class)
        .hasMessageContaining("pack 1 offset 32")
        .hasMessageContaining("3500");
  }

  @Test
  void aTableLongerThanItsRecordIsRefused() {
    byte[] rec = record(900);
    Bytes.putInt(rec, PackFormat.RECORD_HEADER, 200);
    RecordHeader h = Records.header(rec, 0, rec.length, "test");
    assertThatThrownBy(() -> GroupTable.read(rec, PackFormat.RECORD_HEADER, h, "test"))
        .isInstanceOf(CorruptDataException.class)
        .hasMessageContaining("200 members");
  }

  @Test
  void aReleaseWithoutGroupsWouldMeetAnUnknownCodec() {
    byte[] rec = record(900);
    // What versions 1 and 2 read as the codec id: the whole byte.
    assertThat(rec[4] & 0xFF).isEqualTo(Codec.ZSTD.id() | GroupTable.GROUP_FLAG);
    assertThatThrownBy(() -> Codec.ofId(rec[4] & 0xFF, "old release"))
        .isInstanceOf(CorruptDataException.class)
        .hasMessageContaining("unknown codec id 130");
  }

  @Test
  void aChecksumCoversTheTable() {
    byte[] rec = record(900);
    rec[PackFormat.RECORD_HEADER + 10] ^= 1;
    RecordHeader h = Records.header(rec, 0, rec.length, "test");
    assertThatThrownBy(() -> Records.checkCrc(rec, 0, h, "test"))
        .isInstanceOf(CorruptDataException.class);
  }
}
