package io.strata.store.pack;

import io.strata.store.compress.Codec;
import io.strata.store.digest.Digest;
import io.strata.store.testing.TestData;
import java.io.IOException;
import java.util.Arrays;

/** Sealed records of random bytes for the pack tests, and their appends. */
final class TestRecords {
  private TestRecords() {}

  /**
   * One sealed record of chunk {@code id} holding {@code size} random bytes, exactly its length.
   */
  static byte[] record(int id, int size) {
    byte[] payload = TestData.random(id, size);
    byte[] rec = new byte[PackFormat.recordLength(size)];
    System.arraycopy(payload, 0, rec, PackFormat.RECORD_HEADER, size);
    Digest d = Digest.sha256(payload, 0, size);
    int len = Records.seal(rec, 0, id, Codec.NONE, size, size, d);
    return Arrays.copyOf(rec, len);
  }

  /** Appends {@link #record}{@code (id, size)}; returns its pack, offset, length and id. */
  static long[] append(PackSet packs, int id, int size) throws IOException {
    byte[] rec = record(id, size);
    long[] where = {0, 0, rec.length, id};
    packs.append(
        rec,
        0,
        rec.length,
        (pack, offset) -> {
          where[0] = pack;
          where[1] = offset;
        });
    return where;
  }
}
