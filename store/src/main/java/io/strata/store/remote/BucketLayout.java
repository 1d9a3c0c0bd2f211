package io.strata.store.remote;

/** The keys of a shared store's bucket (under its prefix). See docs/SCALEOUT.md. */
final class BucketLayout {
  /** The store's fixed settings (chunker sizes, format), as {@code chunks/config} holds them. */
  static final String CONFIG = "config";

  static final String PACKS = "packs/";
  static final String SEGMENTS = "index/";
  static final String CHUNK_ID_LEASES = "leases/chunk-ids/";
  static final String PACK_ID_LEASES = "leases/packs/";

  /** Chunk ids are leased 2^20 at a time: a million chunks, about 64 GiB of new data. */
  static final int CHUNK_ID_LEASE_BITS = 20;

  /** Pack ids are leased 64 at a time (2 GiB of full packs). */
  static final int PACK_ID_LEASE = 64;

  private BucketLayout() {}

  static String pack(int id) {
    return PACKS + String.format("%08x.pack", id);
  }

  /** Zstd dictionaries, by id: each store's, published before any pack that needs it. */
  static final String DICTIONARIES = "dicts/";

  static String dictionary(int id) {
    return DICTIONARIES + String.format("%08x.dict", id);
  }

  static String segment(int id) {
    return SEGMENTS + String.format("%08x.idx", id);
  }

  /** The pack id a {@link #pack} or {@link #segment} key names, or -1. */
  static int idOf(String key, String prefix, String suffix) {
    if (!key.startsWith(prefix) || !key.endsWith(suffix)) {
      return -1;
    }
    String hex = key.substring(prefix.length(), key.length() - suffix.length());
    if (hex.length() != 8) {
      return -1;
    }
    try {
      return Integer.parseUnsignedInt(hex, 16);
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  static String chunkIdLease(int n) {
    return CHUNK_ID_LEASES + String.format("%08x", n);
  }

  static String packIdLease(int n) {
    return PACK_ID_LEASES + String.format("%08x", n);
  }
}
