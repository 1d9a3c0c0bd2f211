package io.strata.driver.zfs;

import io.strata.store.compress.Codec;
import io.strata.store.compress.Compression;

/**
 * What a dataset's effective properties mean for the next record written.
 *
 * @param recordSize the record size of files created now
 * @param compression the codec of new records; null: the store's
 * @param dedup whether new records may share a block with equal records already stored
 */
record RecordSettings(int recordSize, Compression compression, boolean dedup) {
  /** Whether compression is on; ZFS then stores a record of zeros as a hole. */
  boolean compressing() {
    return compression == null || compression.codec() != Codec.NONE;
  }
}
