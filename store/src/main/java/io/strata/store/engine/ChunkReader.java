package io.strata.store.engine;

import io.strata.store.chunk.ChunkerParams;
import io.strata.store.chunk.LentArrays;
import io.strata.store.compress.ChunkCodec;
import io.strata.store.compress.Codec;
import io.strata.store.compress.Compression;
import io.strata.store.compress.Dictionaries;
import io.strata.store.digest.Digest;
import io.strata.store.error.CorruptDataException;
import io.strata.store.index.ChunkIndex;
import io.strata.store.index.Locations;
import io.strata.store.pack.GroupTable;
import io.strata.store.pack.PackFormat;
import io.strata.store.pack.PackSet;
import io.strata.store.pack.RecordHeader;
import io.strata.store.pack.Records;
import java.io.IOException;

/**
 * Reads chunks by id: finds the record through the index, checks its header and CRC, and decodes it
 * (or hands it on as stored). Never returns damaged bytes: a failed check throws {@link
 * CorruptDataException} naming the chunk and the pack.
 */
final class ChunkReader {
  private static final int RECORD_BYTES =
      PackFormat.recordLength(ChunkCodec.maxEncodedLength(ChunkerParams.MAX_CHUNK));

  // Lent per record, shared by the process (the write path encodes into the same): per thread,
  // every mounted container's two serving threads kept one each for their life (round 7, O3).
  // Given back most recent first, so a thread mostly gets back the buffer its core has cached.
  static final LentArrays RECORDS = new LentArrays(RECORD_BYTES, 4);

  // Chunks handed on as stored are never dictionary frames: the receiver lacks the dictionary.
  private static final ChunkCodec PLAIN = new ChunkCodec(Compression.DEFAULT);

  private final ChunkIndex index;
  private final PackSet packs;
  private final Dictionaries dictionaries;
  private final ChunkGroups groups;
  private final DecodedGroups decoded = new DecodedGroups();

  ChunkReader(ChunkIndex index, PackSet packs, Dictionaries dictionaries, ChunkGroups groups) {
    this.index = index;
    this.packs = packs;
    this.dictionaries = dictionaries;
    this.groups = groups;
  }

  /** The length of a buffer for one record of the largest chunk. */
  static int recordBytes() {
    return RECORD_BYTES;
  }

  /** See {@link ChunkStore#read}. */
  int read(int id, byte[] dst) throws IOException {
    long loc = index.location(id);
    if (loc == Locations.PENDING || GroupedLocations.isMember(loc)) {
      int n = readGrouped(id, dst);
      if (n >= 0) {
        return n;
      }
    }
    byte[] rec = RECORDS.take();
    try {
      RecordHeader h = record(id, rec);
      String where = "chunk " + id;
      if (h.rawLen() > dst.length) {
        throw new CorruptDataException(
            where + " has " + h.rawLen() + " bytes, more than expected", where);
      }
      ChunkCodec.decode(
          h.codec(),
          h.dictId(),
          dictionaries,
          rec,
          PackFormat.RECORD_HEADER,
          h.storedLen(),
          dst,
          0,
          h.rawLen(),
          where);
      return h.rawLen();
    } finally {
      RECORDS.give(rec);
    }
  }

  /** See {@link ChunkStore#readStored}. */
  RecordHeader readStored(int id, byte[] dst) throws IOException {
    long loc = index.location(id);
    if (loc == Locations.PENDING || GroupedLocations.isMember(loc)) {
      byte[] raw = LentArrays.CHUNKS.take();
      try {
        int n = readGrouped(id, raw);
        if (n >= 0) {
          // A member travels as a chunk of its own: the receiver has neither the group nor,
          // maybe, the release that reads groups.
          return plainEncode(id, raw, n, dst, index.digest(id));
        }
      } finally {
        LentArrays.CHUNKS.give(raw);
      }
    }
    byte[] rec = RECORDS.take();
    try {
      RecordHeader h = record(id, rec);
      if (h.codec() == Codec.ZSTD_DICT) {
        return plainCopy(id, h, rec, dst);
      }
      if (h.storedLen() > dst.length) {
        throw new CorruptDataException(
            "chunk " + id + " takes " + h.storedLen() + " bytes, more than expected",
            "chunk " + id);
      }
      System.arraycopy(rec, PackFormat.RECORD_HEADER, dst, 0, h.storedLen());
      return h;
    } finally {
      RECORDS.give(rec);
    }
  }

  /**
   * A dictionary record handed on as stored: decoded and compressed again as a plain zstd frame (or
   * raw), which any store reads.
   */
  private RecordHeader plainCopy(int id, RecordHeader h, byte[] rec, byte[] dst) {
    byte[] raw = LentArrays.CHUNKS.take();
    try {
      String where = "chunk " + id;
      ChunkCodec.decode(
          h.codec(),
          h.dictId(),
          dictionaries,
          rec,
          PackFormat.RECORD_HEADER,
          h.storedLen(),
          raw,
          0,
          h.rawLen(),
          where);
      return plainEncode(id, raw, h.rawLen(), dst, h.digest());
    } finally {
      LentArrays.CHUNKS.give(raw);
    }
  }

  /**
   * Chunk {@code id}'s {@code rawLen} bytes in {@code raw}, whose digest is {@code d}, as a plain
   * record's payload.
   */
  private static RecordHeader plainEncode(int id, byte[] raw, int rawLen, byte[] dst, Digest d) {
    String where = "chunk " + id;
    if (dst.length < ChunkCodec.maxEncodedLength(rawLen)) {
      throw new CorruptDataException(
          where + " needs " + ChunkCodec.maxEncodedLength(rawLen) + " bytes of room", where);
    }
    if (d == null) {
      throw new CorruptDataException("chunk " + id + " is missing from the store", where);
    }
    ChunkCodec.Encoded e = PLAIN.encode(raw, 0, rawLen, dst, 0);
    return new RecordHeader(id, e.codec(), e.length(), rawLen, d);
  }

  /**
   * Reads chunk {@code id} if it is in a group: from the group not yet appended that holds it, or
   * from its group record (decoded whole, once for consecutive reads of its members). Returns its
   * length, or -1 if it is not (or no longer) in a group: then it has a record of its own.
   */
  private int readGrouped(int id, byte[] dst) throws IOException {
    long unread = Locations.NONE; // where the last attempt found no pack to read
    for (int attempt = 0; attempt < 8; attempt++) {
      long loc = index.location(id);
      if (loc == Locations.PENDING) {
        int n = groups.readOpen(id, dst);
        if (n >= 0) {
          return n;
        }
        loc = index.location(id);
      }
      if (!GroupedLocations.isMember(loc)) {
        return -1;
      }
      int packId = Locations.packId(loc);
      long offset = Locations.offset(loc);
      DecodedGroups.Group g = decoded.get(packId, offset);
      if (g == null) {
        try {
          g = decode(id, packId, offset);
        } catch (CorruptDataException e) {
          if (index.location(id) == loc) {
            throw e;
          }
          g = null; // died and punched under this read (see record): look again
        }
        if (g == null) {
          unread = loc;
          continue; // GC moved it: look again
        }
        decoded.put(packId, offset, g);
      }
      String where = "pack " + PackFormat.fileName(packId) + " offset " + offset;
      int i = GroupedLocations.index(loc);
      GroupTable t = g.table();
      if (i >= t.count() || t.ids()[i] != id) {
        throw new CorruptDataException(
            where + ": the group does not hold chunk " + id + " where the index expects it", where);
      }
      int len = t.rawLens()[i];
      if (len > dst.length) {
        throw new CorruptDataException(
            "chunk " + id + " has " + len + " bytes, more than expected", "chunk " + id);
      }
      System.arraycopy(g.raw(), t.starts()[i], dst, 0, len);
      return len;
    }
    throw unreadable(id, unread);
  }

  /**
   * Reads, checks and decodes the group record at {@code offset} of pack {@code packId}, for a read
   * of its member {@code id}; null if the pack was retired meanwhile.
   */
  private DecodedGroups.Group decode(int id, int packId, long offset) throws IOException {
    byte[] rec = RECORDS.take();
    try {
      return decode(id, packId, offset, rec);
    } finally {
      RECORDS.give(rec);
    }
  }

  private DecodedGroups.Group decode(int id, int packId, long offset, byte[] rec)
      throws IOException {
    String where = "pack " + PackFormat.fileName(packId) + " offset " + offset;
    // The index keeps no group's length: its header says it.
    if (!packs.read(packId, offset, rec, PackFormat.RECORD_HEADER)) {
      return null;
    }
    RecordHeader h = Records.header(rec, 0, PackFormat.RECORD_HEADER, where);
    if (!h.grouped()) {
      throw new CorruptDataException(where + ": the index expects a group record here", where);
    }
    int recLen = h.recordLength();
    if (!packs.read(packId, offset, rec, recLen)) {
      return null;
    }
    if (!Records.crcMatches(rec, 0, h)) {
      // The header's digest is the member table's, no chunk's: name the member being read.
      throw new CorruptDataException(
          where + ": the group record holding " + chunkName(id) + " fails its checksum", where);
    }
    GroupTable t = GroupTable.read(rec, PackFormat.RECORD_HEADER, h, where);
    byte[] raw = new byte[h.rawLen()];
    ChunkCodec.decode(
        h.codec(),
        h.dictId(),
        dictionaries,
        rec,
        PackFormat.RECORD_HEADER + t.frameOff(),
        t.frameLen(),
        raw,
        0,
        h.rawLen(),
        where);
    return new DecodedGroups.Group(raw, t);
  }

  /**
   * Whether the record of another chunk holds {@code id}'s bytes: a fleet's gc pointed {@code id}
   * (a duplicate) at its canonical copy. The digests must be equal; the CRC is checked after.
   */
  private boolean aliasOf(int id, RecordHeader h) {
    io.strata.store.digest.Digest d = index.digest(id);
    return d != null && d.equals(h.digest());
  }

  /** Reads chunk {@code id}'s record into {@code rec}, checks its header and CRC. */
  private RecordHeader record(int id, byte[] rec) throws IOException {
    long unread = Locations.NONE; // where the last attempt found no pack to read
    for (int attempt = 0; attempt < 8; attempt++) {
      long loc = index.location(id);
      if (!Locations.isStored(loc)) {
        throw new CorruptDataException("chunk " + id + " is missing from the store", "chunk " + id);
      }
      int packId = Locations.packId(loc);
      long offset = Locations.offset(loc);
      int storedLen = Locations.storedLen(loc);
      int recLen = PackFormat.recordLength(storedLen);
      if (!packs.read(packId, offset, rec, recLen)) {
        unread = loc;
        continue; // GC moved it: look again
      }
      String where = "pack " + PackFormat.fileName(packId) + " offset " + offset;
      try {
        RecordHeader h = Records.header(rec, 0, recLen, where);
        if (h.storedLen() != storedLen || h.chunkId() != id && !aliasOf(id, h)) {
          throw new CorruptDataException(
              where + ": holds chunk " + h.chunkId() + ", the index expects chunk " + id, where);
        }
        Records.checkCrc(rec, 0, h, where);
        return h;
      } catch (CorruptDataException e) {
        if (index.location(id) == loc) {
          throw e;
        }
        // gc judged the chunk dead after this read looked it up, and punched its record on a full
        // disk (zeros now): as for a pack retired under a read, look again
        unread = loc;
      }
    }
    throw unreadable(id, unread);
  }

  /**
   * The error of chunk {@code id}, whose pack could not be read at any attempt, the last time at
   * {@code loc}. gc moves a pack's chunks in the index before it retires the pack, so a location
   * the index still gives names a pack that is missing (deleted behind the store's back), which is
   * what the user must hear, not that it "keeps disappearing".
   */
  private CorruptDataException unreadable(int id, long loc) {
    if (Locations.isStored(loc) && index.location(id) == loc) {
      String pack = "pack " + PackFormat.fileName(Locations.packId(loc));
      return new CorruptDataException(
          pack + " is missing; the index places " + chunkName(id) + " in it", pack);
    }
    return new CorruptDataException(chunkName(id) + ": its pack keeps disappearing", "chunk " + id);
  }

  /** Chunk {@code id} as messages name it: by digest, by number when even that is lost. */
  private String chunkName(int id) {
    Digest d = index.digest(id);
    return d != null ? "chunk " + d : "chunk #" + id;
  }
}
