package io.strata.store.remote;

import io.strata.store.disk.AtomicFiles;
import io.strata.store.error.StrataException;
import io.strata.store.index.ChunkIndex;
import java.io.IOException;
import java.io.Reader;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;
import java.util.UUID;

/**
 * The ranges of chunk ids and pack ids this store hands out, leased in the bucket so that no two
 * stores sharing it ever hand out the same one: a lease is an object created with {@code
 * If-None-Match: *}, so of two stores reaching for the same range exactly one gets it. The current
 * leases are kept in {@code chunks/shared} (with this store's node id and its bucket), so a restart
 * goes on in the same ranges. A lease is never given back: a few unused ids are the price of never
 * asking whether another store still uses a range.
 */
final class Leases implements ChunkIndex.IdLeases {
  static final String FILE = "shared";
  private static final int MAX_CHUNK_LEASE =
      (Integer.MAX_VALUE >>> BucketLayout.CHUNK_ID_LEASE_BITS);
  private static final int MAX_PACK_LEASE =
      io.strata.store.index.Locations.MAX_PACK_ID / BucketLayout.PACK_ID_LEASE;

  private final ObjectStore objects;
  private final Path file;
  private final String node;
  private int chunkLease; // lease number, 0 = none yet
  private int packLease;
  // Leases taken ahead of need, so that writes go on while the bucket is unreachable.
  private int spareChunkLease;
  private int sparePackLease;
  // Pack ids below it and chunk ids below the other may have been handed out: kept so that a
  // restart hands out neither again when a gc deleted the highest (a fleet's gc records name ids).
  private int nextPack;
  private int chunkIdsReserved;

  private Leases(
      ObjectStore objects,
      Path file,
      String node,
      int chunkLease,
      int packLease,
      int spareChunkLease,
      int sparePackLease,
      int nextPack,
      int chunkIdsReserved) {
    this.nextPack = nextPack;
    this.chunkIdsReserved = chunkIdsReserved;
    this.objects = objects;
    this.file = file;
    this.node = node;
    this.chunkLease = chunkLease;
    this.packLease = packLease;
    this.spareChunkLease = spareChunkLease;
    this.sparePackLease = sparePackLease;
  }

  /**
   * The leases of the store in {@code chunksDir}, creating its node id on first use. Refuses a
   * directory that belongs to another bucket.
   */
  static Leases open(ObjectStore objects, Path chunksDir) throws IOException {
    Path file = chunksDir.resolve(FILE);
    if (!Files.exists(file)) {
      Leases l = new Leases(objects, file, UUID.randomUUID().toString(), 0, 0, 0, 0, 0, 0);
      l.save();
      return l;
    }
    Properties p = new Properties();
    try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      p.load(r);
    }
    String bucket = p.getProperty("bucket");
    if (!objects.location().equals(bucket)) {
      throw new StrataException(
          "data root "
              + chunksDir.getParent()
              + " shares "
              + bucket
              + ", not "
              + objects.location()
              + "; use a data root of its own for each bucket");
    }
    try {
      return new Leases(
          objects,
          file,
          p.getProperty("node"),
          Integer.parseInt(p.getProperty("chunkLease", "0")),
          Integer.parseInt(p.getProperty("packLease", "0")),
          Integer.parseInt(p.getProperty("spareChunkLease", "0")),
          Integer.parseInt(p.getProperty("sparePackLease", "0")),
          Integer.parseInt(p.getProperty("packIdsUsedBelow", "0")),
          Integer.parseInt(p.getProperty("chunkIdsReservedBelow", "0")));
    } catch (NumberFormatException e) {
      throw new io.strata.store.error.CorruptDataException(
          file + ": unreadable lease numbers", file.toString(), e);
    }
  }

  /** This store's name in the bucket: its leases say who took them. */
  String node() {
    return node;
  }

  /** The current range of chunk ids, {@code [start, end)}, leasing one if there is none. */
  synchronized int[] chunkIds() throws IOException {
    if (chunkLease == 0) {
      return nextChunkIds();
    }
    return range(chunkLease);
  }

  @Override
  public int[] next() throws IOException {
    return nextChunkIds();
  }

  @Override
  public synchronized int reserve(int end) throws IOException {
    if (end > chunkIdsReserved) {
      chunkIdsReserved = end;
      save();
    }
    return chunkIdsReserved;
  }

  @Override
  public synchronized int reserved() {
    return chunkIdsReserved;
  }

  /** A new range of chunk ids, {@code [start, end)}: the current one is used up. */
  synchronized int[] nextChunkIds() throws IOException {
    if (spareChunkLease != 0) {
      chunkLease = spareChunkLease;
      spareChunkLease = 0;
    } else {
      chunkLease =
          take(
              BucketLayout.CHUNK_ID_LEASES,
              Math.max(chunkLease, spareChunkLease),
              MAX_CHUNK_LEASE,
              BucketLayout::chunkIdLease);
    }
    save();
    return range(chunkLease);
  }

  /**
   * Takes the next leases ahead of need when the current ones are more than half used ({@code
   * nextChunkId} is the next chunk id the index hands out), and a pack lease if there is none:
   * writes then never wait for the bucket, and go on for a while when it is unreachable.
   */
  synchronized void topUp(int nextChunkId, java.util.function.IntPredicate packTaken)
      throws IOException {
    if (packLease == 0) {
      packLease = take(BucketLayout.PACK_ID_LEASES, 0, MAX_PACK_LEASE, BucketLayout::packIdLease);
      save();
    }
    int[] ids = range(chunkLease);
    if (spareChunkLease == 0 && nextChunkId - ids[0] > (ids[1] - ids[0]) / 2) {
      spareChunkLease =
          take(
              BucketLayout.CHUNK_ID_LEASES,
              chunkLease,
              MAX_CHUNK_LEASE,
              BucketLayout::chunkIdLease);
      save();
    }
    int start = packLease * BucketLayout.PACK_ID_LEASE;
    int used = 0;
    for (int id = start; id < start + BucketLayout.PACK_ID_LEASE; id++) {
      used += packTaken.test(id) || id < nextPack ? 1 : 0;
    }
    if (sparePackLease == 0 && used > BucketLayout.PACK_ID_LEASE / 2) {
      sparePackLease =
          take(BucketLayout.PACK_ID_LEASES, packLease, MAX_PACK_LEASE, BucketLayout::packIdLease);
      save();
    }
  }

  private static int[] range(int lease) {
    int start = lease << BucketLayout.CHUNK_ID_LEASE_BITS;
    int end =
        lease == MAX_CHUNK_LEASE
            ? Integer.MAX_VALUE
            : start + (1 << BucketLayout.CHUNK_ID_LEASE_BITS);
    return new int[] {start, end};
  }

  /**
   * An id for a new pack: the next of the current pack lease that is not {@code taken} (on this
   * disk or in the bucket already), leasing a new range when it is used up.
   */
  synchronized int newPackId(java.util.function.IntPredicate taken) throws IOException {
    while (true) {
      int start = packLease * BucketLayout.PACK_ID_LEASE;
      int next = Math.max(nextPack, start);
      while (packLease != 0 && next < start + BucketLayout.PACK_ID_LEASE && taken.test(next)) {
        next++;
      }
      if (packLease != 0 && next < start + BucketLayout.PACK_ID_LEASE) {
        nextPack = next + 1;
        save(); // before the pack exists: a restart never hands this id out again
        return next;
      }
      if (sparePackLease != 0) {
        packLease = sparePackLease;
        sparePackLease = 0;
      } else {
        packLease =
            take(BucketLayout.PACK_ID_LEASES, packLease, MAX_PACK_LEASE, BucketLayout::packIdLease);
      }
      nextPack = 0;
      save();
    }
  }

  /** Creates the first free lease object above every listed one (and above {@code after}). */
  private int take(String prefix, int after, int max, java.util.function.IntFunction<String> key)
      throws IOException {
    int[] highest = {after};
    objects.list(
        prefix,
        (k, size) -> {
          try {
            highest[0] =
                Math.max(highest[0], Integer.parseUnsignedInt(k.substring(prefix.length()), 16));
          } catch (NumberFormatException e) {
            // Not a lease of ours.
          }
        });
    byte[] owner = ("node=" + node + "\n").getBytes(StandardCharsets.UTF_8);
    for (int n = highest[0] + 1; n <= max; n++) {
      if (objects.create(key.apply(n), owner)) {
        return n;
      }
    }
    throw new StrataException(objects.describe() + ": every range of " + prefix + " is leased");
  }

  private void save() throws IOException {
    Properties p = new Properties();
    p.setProperty("bucket", objects.location());
    p.setProperty("node", node);
    p.setProperty("chunkLease", Integer.toString(chunkLease));
    p.setProperty("packLease", Integer.toString(packLease));
    p.setProperty("spareChunkLease", Integer.toString(spareChunkLease));
    p.setProperty("sparePackLease", Integer.toString(sparePackLease));
    p.setProperty("packIdsUsedBelow", Integer.toString(nextPack));
    p.setProperty("chunkIdsReservedBelow", Integer.toString(chunkIdsReserved));
    StringWriter w = new StringWriter();
    p.store(w, "Strata shared store: this node and its leases in the bucket");
    AtomicFiles.write(file, w.toString().getBytes(StandardCharsets.UTF_8));
  }
}
