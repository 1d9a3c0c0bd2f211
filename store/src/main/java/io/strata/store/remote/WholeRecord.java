package io.strata.store.remote;

import io.strata.store.pack.PackFormat;
import io.strata.store.pack.RecordHeader;
import io.strata.store.pack.Records;

/** Tells whether bytes read from a bucket pack are one whole record that fails its CRC. */
final class WholeRecord {
  private WholeRecord() {}

  /**
   * True if {@code buf[0..len)} is a record of exactly {@code len} bytes whose CRC does not match.
   * Reads of a header alone, or bytes that are no record, are false: the reader checks those.
   */
  static boolean failsCrc(byte[] buf, int len) {
    if (len < PackFormat.recordLength(0)) {
      return false;
    }
    RecordHeader h;
    try {
      h = Records.header(buf, 0, len, "a bucket read");
    } catch (RuntimeException e) {
      // A header the damage hit: a fresh copy may mend that too.
      return true;
    }
    return h.recordLength() == len && !Records.crcMatches(buf, 0, h);
  }
}
