package io.strata.store.index;

import io.strata.store.digest.Digest;
import java.util.Arrays;

/**
 * The chunk index in memory: digest → dense {@code int} chunk id → location. Ids are handed out in
 * increasing order and never reused, so a reference bitmap can never come to name another chunk.
 *
 * <p>Lean by design (the target is under 48 bytes of RAM per chunk): the digest takes 32 bytes and
 * the location 8, both in paged primitive arrays indexed by id; the hash table is an open-
 * addressing array of ids (4 bytes a slot) kept between 57% and 85% full, so about 6 more bytes a
 * chunk. No object per chunk exists.
 *
 * <p>Thread-safe: every method is synchronized. Critical sections are a few memory reads, tiny next
 * to hashing a chunk.
 */
public final class ChunkIndex {
  private static final int PAGE_BITS = 12;
  private static final int PAGE = 1 << PAGE_BITS;
  private static final int PAGE_MASK = PAGE - 1;
  private static final double MAX_LOAD = 0.85;

  private long[][] digestPages = new long[0][];
  private long[][] locPages = new long[0][];
  private int[] table = new int[1024]; // id + 1; 0 is an empty slot
  private int entries; // present or pending ids
  private int nextId;
  // One past the highest id ever held: ids from other nodes' leases may lie above nextId.
  private int limit;
  // A store shared through object storage hands out ids from leased ranges (see IdLeases); a
  // local store's range is unbounded.
  private int leaseStart;
  private int leaseEnd = Integer.MAX_VALUE;
  private IdLeases leases;
  // Ids below this one may have been handed out (a lease's, recorded durably before use): a
  // restart hands out none of them again, even where the index no longer holds the highest.
  private int reservedEnd = Integer.MAX_VALUE;
  // Chunks a fleet's gc may delete: lookups pass over them, so nothing new comes to depend on them.
  private org.roaringbitmap.RoaringBitmap condemned;

  /**
   * Ranges of ids this process may hand out, when several stores share one id space (a fleet on one
   * bucket): each range belongs to one store alone, so an id means the same chunk everywhere.
   */
  public interface IdLeases {
    /** A new range {@code [start, end)} no other store hands out from. */
    int[] next() throws java.io.IOException;

    /**
     * Records durably, before any of them is handed out, that ids below {@code end} may be: a gc
     * may delete the highest ids a store handed out (and the fleet's records of gc name them), so
     * the index alone cannot tell a restart where to go on. Returns the end recorded.
     */
    int reserve(int end) throws java.io.IOException;

    /** What {@link #reserve} recorded last: ids below it may have been handed out; 0: none. */
    int reserved();
  }

  /** Ids reserved ahead at a time: one durable write per this many new chunks. */
  static final int RESERVE_STEP = 4096;

  /** An empty index whose first id will be {@code firstId}. */
  public ChunkIndex(int firstId) {
    this.nextId = firstId;
    this.limit = firstId;
  }

  /**
   * The id of the chunk with this digest that a new reference may use, or -1: condemned ids are
   * passed over ({@link #condemn}). Pending chunks count as present.
   */
  public synchronized int lookup(Digest d) {
    return find(d.word(0), d.word(1), d.word(2), d.word(3));
  }

  /**
   * The id to read the chunk with this digest at, or -1: one {@link #lookup} gives, else a
   * condemned one. A reference made before the fleet's gc condemned its chunk holds it live (the
   * node's answer names it), so reading it is safe, and refusing it made an intact image unreadable
   * until the gc's end reached this node.
   */
  public synchronized int lookupReadable(Digest d) {
    int id = find(d.word(0), d.word(1), d.word(2), d.word(3));
    if (id >= 0 || condemned == null) {
      return id;
    }
    int[] all = lookupAll(d);
    return all.length == 0 ? -1 : all[0];
  }

  /**
   * The id of the chunk with this digest; when absent, reserves a new id marked {@link
   * Locations#PENDING} and returns {@code -(id) - 1}, telling the caller it must write the chunk.
   */
  public synchronized int lookupOrReserve(Digest d) {
    long w0 = d.word(0);
    long w1 = d.word(1);
    long w2 = d.word(2);
    long w3 = d.word(3);
    int id = find(w0, w1, w2, w3);
    if (id >= 0) {
      return id;
    }
    if (nextId >= leaseEnd) {
      nextLease();
    }
    if (nextId >= reservedEnd) {
      reserveFrom(nextId);
    }
    id = nextId++;
    limit = Math.max(limit, nextId);
    put(id, w0, w1, w2, w3, Locations.PENDING);
    return -id - 1;
  }

  /**
   * From now on hands out ids from the range {@code [start, end)}, continuing after the highest id
   * of that range already held, and asks {@code more} for a new range when it is used up.
   */
  public synchronized void lease(int start, int end, IdLeases more) {
    leaseStart = start;
    leaseEnd = end;
    leases = more;
    int next = start;
    for (int id = Math.min(end, limit) - 1; id >= start; id--) {
      if (location0(id) != Locations.NONE) {
        next = id + 1;
        break;
      }
    }
    if (more != null) {
      // past every id reserved before, held or not: a gc may have deleted the highest
      int reserved = more.reserved();
      if (reserved > next && reserved <= end) {
        next = reserved;
      }
      reservedEnd = next; // nothing of this range handed out yet by this process
    }
    nextId = next;
  }

  private void reserveFrom(int id) {
    try {
      reservedEnd = leases.reserve((int) Math.min(leaseEnd, (long) id + RESERVE_STEP));
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException("no chunk ids reserved: " + e.getMessage(), e);
    }
    if (reservedEnd <= id) {
      throw new IllegalStateException("chunk id " + id + " was not reserved");
    }
  }

  /** Every id held under digest {@code d}, condemned ones included (usually one). */
  public synchronized int[] lookupAll(Digest d) {
    long w0 = d.word(0);
    int[] t = table;
    int i = home(w0);
    int[] out = new int[0];
    while (t[i] != 0) {
      int id = t[i] - 1;
      long[] p = digestPages[id >>> PAGE_BITS];
      int at = (id & PAGE_MASK) * 4;
      if (p[at] == w0
          && p[at + 1] == d.word(1)
          && p[at + 2] == d.word(2)
          && p[at + 3] == d.word(3)) {
        out = Arrays.copyOf(out, out.length + 1);
        out[out.length - 1] = id;
      }
      if (++i == t.length) {
        i = 0;
      }
    }
    return out;
  }

  /**
   * From now on lookups pass over the chunks in {@code ids} (null: none), as if they were absent: a
   * writer stores such bytes again under a new id rather than come to depend on a chunk that a
   * fleet's gc may delete.
   */
  public synchronized void condemn(org.roaringbitmap.RoaringBitmap ids) {
    condemned = ids == null || ids.isEmpty() ? null : ids.clone();
  }

  /** The range ids are handed out from: {@code [start, end)}. */
  public synchronized int[] leaseRange() {
    return new int[] {leaseStart, leaseEnd};
  }

  private void nextLease() {
    if (leases == null) {
      throw new IllegalStateException("chunk ids exhausted");
    }
    int[] r;
    try {
      r = leases.next();
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException("no new range of chunk ids: " + e.getMessage(), e);
    }
    leaseStart = r[0];
    leaseEnd = r[1];
    nextId = r[0];
    reservedEnd = r[0];
  }

  /**
   * Adds a chunk with a known id, as found in a pack or the index file. If the id is already
   * indexed the existing entry wins and false is returned (a GC copy of a chunk whose original was
   * indexed first).
   *
   * <p>An id whose digest is already indexed under another id is added all the same: both ids then
   * hold the same bytes, and {@link #lookup} returns either. That happens when GC dropped a dead
   * chunk from the index, a writer stored the same bytes again under a new id and the process died
   * before GC's checkpoint: the checkpoint still lists the old id, the pack tail the new one, and a
   * root acknowledged with the new id must find it (the next GC removes whichever is unreferenced).
   */
  public synchronized boolean insert(int id, Digest d, long loc) {
    if (location0(id) != Locations.NONE) {
      return false;
    }
    if (id >= leaseStart && id < leaseEnd) {
      nextId = Math.max(nextId, id + 1);
    }
    limit = Math.max(limit, id + 1);
    put(id, d.word(0), d.word(1), d.word(2), d.word(3), loc);
    return true;
  }

  /**
   * Points chunk {@code id} at {@code to}, another record of the same bytes (a fleet's gc aliasing
   * a duplicate to its canonical copy): if it is at {@code from}, it moves; if this index lacks it
   * (a node that never read the duplicate's segment, or whose checkpoint was lost), it is added at
   * {@code to}, so that a root anywhere naming it keeps the canonical copy's pack alive here too. A
   * chunk found anywhere else is left alone. True if the index changed.
   */
  public synchronized boolean alias(int id, long from, long to, Digest d) {
    long at = location0(id);
    if (at == from) {
      setLocation(id, to);
      return true;
    }
    if (at == Locations.NONE) {
      if (id >= leaseStart && id < leaseEnd) {
        nextId = Math.max(nextId, id + 1);
      }
      limit = Math.max(limit, id + 1);
      put(id, d.word(0), d.word(1), d.word(2), d.word(3), to);
      return true;
    }
    return false;
  }

  /** Makes sure no id below {@code id} is handed out again. */
  public synchronized void advanceTo(int id) {
    if (leaseEnd == Integer.MAX_VALUE) {
      nextId = Math.max(nextId, id);
    }
    limit = Math.max(limit, id);
  }

  /** The location of chunk {@code id}: {@link Locations#NONE} if absent. */
  public synchronized long location(int id) {
    return location0(id);
  }

  /** Sets the location of a present chunk (after its record is appended or moved by GC). */
  public synchronized void setLocation(int id, long loc) {
    locPages[id >>> PAGE_BITS][id & PAGE_MASK] = loc;
  }

  /** Moves a chunk only if it is still where {@code expect} says (GC racing nothing else). */
  public synchronized boolean moveIfAt(int id, long expect, long loc) {
    if (location0(id) != expect) {
      return false;
    }
    setLocation(id, loc);
    return true;
  }

  /** The digest of chunk {@code id}, or null if absent. */
  public synchronized Digest digest(int id) {
    if (location0(id) == Locations.NONE) {
      return null;
    }
    long[] p = digestPages[id >>> PAGE_BITS];
    int at = (id & PAGE_MASK) * 4;
    return Digest.ofWords(p[at], p[at + 1], p[at + 2], p[at + 3]);
  }

  /** Forgets chunk {@code id}: its digest no longer deduplicates, its id is never reused. */
  public synchronized void remove(int id) {
    if (location0(id) == Locations.NONE) {
      return;
    }
    long[] p = digestPages[id >>> PAGE_BITS];
    int at = (id & PAGE_MASK) * 4;
    int slot = slotOf(id, p[at]);
    deleteSlot(slot);
    locPages[id >>> PAGE_BITS][id & PAGE_MASK] = Locations.NONE;
    entries--;
  }

  /** Calls {@code visitor} for each present or pending chunk, in id order. */
  public void forEach(Visitor visitor) {
    int limit;
    synchronized (this) {
      limit = this.limit;
    }
    for (int id = 0; id < limit; id++) {
      if ((id & PAGE_MASK) == 0 && !pageExists(id >>> PAGE_BITS)) {
        id += PAGE - 1; // ids of other stores' leases leave whole pages empty
        continue;
      }
      long loc = location(id);
      if (loc != Locations.NONE) {
        visitor.chunk(id, loc);
      }
    }
  }

  /** Receives an id and its location. */
  @FunctionalInterface
  public interface Visitor {
    void chunk(int id, long loc);
  }

  private synchronized boolean pageExists(int page) {
    return page < locPages.length && locPages[page] != null;
  }

  /** Present and pending chunks. */
  public synchronized int size() {
    return entries;
  }

  /** One past the highest id held, whichever store handed it out. */
  public synchronized int limit() {
    return limit;
  }

  /** The id the next new chunk gets. */
  public synchronized int nextId() {
    return nextId;
  }

  /** Bytes of heap the index holds: its arrays, as allocated. */
  public synchronized long ramBytes() {
    long pages = 0;
    for (long[] p : digestPages) {
      pages += p == null ? 0 : (long) p.length * 8;
    }
    for (long[] p : locPages) {
      pages += p == null ? 0 : (long) p.length * 8;
    }
    return pages + (long) table.length * 4;
  }

  // ---- internals; callers hold the monitor ----

  private long location0(int id) {
    int page = id >>> PAGE_BITS;
    if (id < 0 || page >= locPages.length || locPages[page] == null) {
      return Locations.NONE;
    }
    return locPages[page][id & PAGE_MASK];
  }

  private int home(long w0) {
    // Lemire's multiply-shift maps the digest's first word onto any table length.
    return (int) (((w0 >>> 32) * table.length) >>> 32);
  }

  private int find(long w0, long w1, long w2, long w3) {
    int[] t = table;
    int i = home(w0);
    while (true) {
      int e = t[i];
      if (e == 0) {
        return -1;
      }
      int id = e - 1;
      long[] p = digestPages[id >>> PAGE_BITS];
      int at = (id & PAGE_MASK) * 4;
      if (p[at] == w0
          && p[at + 1] == w1
          && p[at + 2] == w2
          && p[at + 3] == w3
          && (condemned == null || !condemned.contains(id))) {
        return id;
      }
      if (++i == t.length) {
        i = 0;
      }
    }
  }

  private int slotOf(int id, long w0) {
    int i = home(w0);
    while (table[i] != id + 1) {
      if (++i == table.length) {
        i = 0;
      }
    }
    return i;
  }

  private void put(int id, long w0, long w1, long w2, long w3, long loc) {
    ensurePage(id);
    long[] p = digestPages[id >>> PAGE_BITS];
    int at = (id & PAGE_MASK) * 4;
    p[at] = w0;
    p[at + 1] = w1;
    p[at + 2] = w2;
    p[at + 3] = w3;
    locPages[id >>> PAGE_BITS][id & PAGE_MASK] = loc;
    if (entries + 1 > table.length * MAX_LOAD) {
      rehash((int) Math.min(Integer.MAX_VALUE - 8, table.length * 3L / 2));
    }
    int i = home(w0);
    while (table[i] != 0) {
      if (++i == table.length) {
        i = 0;
      }
    }
    table[i] = id + 1;
    entries++;
  }

  private void ensurePage(int id) {
    int page = id >>> PAGE_BITS;
    if (page >= locPages.length) {
      int n = Math.max(page + 1, locPages.length * 2);
      locPages = Arrays.copyOf(locPages, n);
      digestPages = Arrays.copyOf(digestPages, n);
    }
    if (locPages[page] == null) {
      locPages[page] = new long[PAGE];
      digestPages[page] = new long[PAGE * 4];
    }
  }

  private void rehash(int capacity) {
    int[] old = table;
    table = new int[capacity];
    for (int e : old) {
      if (e != 0) {
        int id = e - 1;
        int i = home(digestPages[id >>> PAGE_BITS][(id & PAGE_MASK) * 4]);
        while (table[i] != 0) {
          if (++i == table.length) {
            i = 0;
          }
        }
        table[i] = e;
      }
    }
  }

  /** Backward-shift deletion: keeps linear probing correct without tombstones. */
  private void deleteSlot(int hole) {
    int[] t = table;
    int j = hole;
    while (true) {
      if (++j == t.length) {
        j = 0;
      }
      int e = t[j];
      if (e == 0) {
        break;
      }
      int id = e - 1;
      int k = home(digestPages[id >>> PAGE_BITS][(id & PAGE_MASK) * 4]);
      boolean stays = hole <= j ? (hole < k && k <= j) : (hole < k || k <= j);
      if (!stays) {
        t[hole] = e;
        hole = j;
      }
    }
    t[hole] = 0;
  }
}
