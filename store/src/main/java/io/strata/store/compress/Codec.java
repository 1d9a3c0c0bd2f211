package io.strata.store.compress;

import io.strata.store.error.CorruptDataException;

/**
 * How one chunk's bytes are stored. The id is written into every pack record. {@link #ZSTD_DICT}
 * (version 2 of the record) names in the record the store's dictionary it needs; it is never a
 * store's choice for new chunks ({@link Compression}) nor sent to another host as stored.
 */
public enum Codec {
  NONE(0),
  LZ4(1),
  ZSTD(2),
  ZSTD_DICT(3);

  private final int id;

  Codec(int id) {
    this.id = id;
  }

  /** The byte written into pack records. */
  public int id() {
    return id;
  }

  /** The codec of a record's codec byte. */
  public static Codec ofId(int id, String where) {
    for (Codec c : values()) {
      if (c.id == id) {
        return c;
      }
    }
    throw new CorruptDataException(where + ": unknown codec id " + id, where);
  }
}
