package io.strata.store.engine;

import io.strata.store.digest.Digest;
import io.strata.store.pack.GroupTable;
import io.strata.store.pack.PackFormat;
import io.strata.store.pack.RecordHeader;
import java.io.IOException;

/** The members of a group record as a pack scan meets it: each with its index location. */
final class GroupMembers {
  private GroupMembers() {}

  /** Receives one member. */
  @FunctionalInterface
  interface Visitor {
    void member(int chunkId, Digest digest, long loc, int rawLen) throws IOException;
  }

  /**
   * Calls {@code visitor} for each member of the group record {@code h} at {@code offset} of pack
   * {@code packId}, which {@code buf} holds at {@code off} (CRC checked by the scan); returns its
   * table.
   */
  static GroupTable forEach(
      RecordHeader h, int packId, long offset, byte[] buf, int off, Visitor visitor)
      throws IOException {
    String where = "pack " + PackFormat.fileName(packId) + " offset " + offset;
    GroupTable t = GroupTable.read(buf, off + PackFormat.RECORD_HEADER, h, where);
    int recLen = h.recordLength();
    for (int i = 0; i < t.count(); i++) {
      long loc = GroupedLocations.member(packId, offset, recLen, h.rawLen(), t.rawLens()[i], i);
      visitor.member(t.ids()[i], t.digests()[i], loc, t.rawLens()[i]);
    }
    return t;
  }
}
