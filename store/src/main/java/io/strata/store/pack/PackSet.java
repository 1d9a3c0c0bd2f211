package io.strata.store.pack;

import io.strata.store.disk.AtomicFiles;
import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.IntConsumer;
import java.util.stream.Stream;

/**
 * The pack files of a store: the sealed ones, read-only, and the open one that new records are
 * appended to. Appends are serialised here; reads run concurrently with them and with each other. A
 * pack is sealed and a new one opened when it passes {@link PackFormat#TARGET_SIZE}.
 */
public final class PackSet implements Closeable {
  private static final System.Logger LOG = System.getLogger(PackSet.class.getName());

  private final Path dir;
  private final Map<Integer, PackFile> packs = new ConcurrentHashMap<>();
  private final OpenPacks open;
  private final ReentrantLock appendLock = new ReentrantLock();
  private final BackgroundSeals seals = new BackgroundSeals();
  private final WriteBuffers writeBuffers = new WriteBuffers();
  private final RemovalWatch watch;
  // packs given up on (id -> the end they are cut back to) whose seal the full disk refused
  private final Map<Integer, Long> cutShort = new ConcurrentHashMap<>();
  private volatile PackWriter current;
  private int nextId;
  // Set when a pack is created, cleared by the next directory fsync.
  private volatile boolean newPackNotInDirectory;
  private volatile LossListener lossListener = (id, end) -> {};
  private volatile IntConsumer durableListener = id -> {};
  private volatile Remote remote;
  private volatile long lastAppendNanos;

  /**
   * The packs of a store shared through object storage: each sealed pack is uploaded, other stores'
   * packs are read from the bucket, and a pack this disk no longer holds (evicted from the local
   * cache) is read from there too.
   */
  public interface Remote {
    /** An id for a new pack that no other store sharing the bucket hands out. */
    int newPackId() throws IOException;

    /** The length of pack {@code id} in the bucket, if this store indexed it there; else -1. */
    long length(int id);

    /** Reads {@code len} bytes at {@code offset} of pack {@code id}, which is not on this disk. */
    void read(int id, long offset, byte[] dst, int len) throws IOException;

    /** Pack {@code id}, at {@code path}, is sealed and durable: it may be uploaded. */
    void sealed(int id, Path path);

    /** The lengths of the packs indexed from the bucket (an index checkpoint covers them). */
    Map<Integer, Long> lengths();
  }

  /** Reads and places packs through {@code r} from now on (see {@link Remote}). */
  public void attach(Remote r) {
    this.remote = r;
  }

  /**
   * Drops this disk's copy of sealed pack {@code id}, which the bucket holds: later reads go there.
   * Readers holding the file finish first.
   */
  public void evict(int id) throws IOException {
    Remote r = remote;
    if (r == null || r.length(id) < 0 || seals.sealing(id)) {
      return;
    }
    appendLock.lock();
    try {
      if (current != null && current.id() == id) {
        return;
      }
      PackFile p = packs.remove(id);
      if (p != null) {
        p.retire();
      }
    } finally {
      appendLock.unlock();
    }
  }

  /**
   * Seals the open pack if nothing was appended to it for {@code millis}: a store sharing a bucket
   * uploads sealed packs only, and the others see its chunks once they are there.
   */
  public void sealIfIdle(long millis) {
    appendLock.lock();
    try {
      if (current != null
          && current.size() > PackFormat.HEADER_SIZE
          && System.nanoTime() - lastAppendNanos >= millis * 1_000_000) {
        sealFull();
      }
    } catch (IOException e) {
      // As after a failed fsync: what was not durable is given up, and the store forgets it.
      abandonCurrent();
    } finally {
      appendLock.unlock();
    }
  }

  /** Whether the open pack holds records (none is open: false). */
  public boolean openHoldsRecords() {
    PackWriter w = current;
    return w != null && w.records() > 0;
  }

  /** Whether this disk holds pack {@code id}. */
  public boolean isLocal(int id) {
    return packs.containsKey(id);
  }

  private int newPackId() throws IOException {
    Remote r = remote;
    if (r == null) {
      return nextId++;
    }
    int id = r.newPackId();
    nextId = Math.max(nextId, id + 1);
    return id;
  }

  private void sealedDurably(int id) {
    durableListener.accept(id);
    Remote r = remote;
    if (r != null) {
      r.sealed(id, path(id));
    }
  }

  /**
   * Learns that the records of pack {@code packId} from {@code durableEnd} on are gone: an fsync of
   * the pack failed, so they never became durable and never will. None was acknowledged (every
   * commit waits for the fsync); the store must forget them before any later commit may succeed.
   */
  @FunctionalInterface
  public interface LossListener {
    void lost(int packId, long durableEnd);
  }

  private PackSet(Path dir, int nextId, OpenPacks open, long watchMillis) {
    this.watch = new RemovalWatch(this::checkOpenPack, watchMillis);
    this.dir = dir;
    this.nextId = nextId;
    this.open = open;
  }

  /**
   * Opens the packs in {@code dir}, holding at most a quarter of the process's open-file limit of
   * them open at once ({@link OpenPacks#forThisProcess}). Every pack on disk must be sealed by now
   * (recovery seals the one a crash left open); new records go to a new pack.
   */
  public static PackSet open(Path dir) throws IOException {
    return open(dir, OpenPacks.forThisProcess());
  }

  /** {@link #open(Path)} with at most {@code maxOpen} packs open at once. */
  public static PackSet open(Path dir, int maxOpen) throws IOException {
    return open(dir, maxOpen, RemovalWatch.PERIOD_MILLIS);
  }

  /**
   * {@link #open(Path, int)}, checking every {@code watchMillis} that the open pack's file is still
   * there (0: only when it syncs or seals; see {@link RemovalWatch}).
   */
  static PackSet open(Path dir, int maxOpen, long watchMillis) throws IOException {
    io.strata.store.disk.AtomicFiles.createPrivateDirectories(dir);
    int maxId = 0;
    List<Integer> ids = listIds(dir);
    for (int id : ids) {
      maxId = Math.max(maxId, id);
    }
    PackSet set = new PackSet(dir, maxId + 1, new OpenPacks(maxOpen), watchMillis);
    for (int id : ids) {
      // Opened when first read: a store of more packs than descriptors opens all the same.
      set.packs.put(id, new PackFile(id, dir.resolve(PackFormat.fileName(id)), set.open));
    }
    return set;
  }

  /** How many packs may be open at once, and how many are. */
  public int[] openPacks() {
    return new int[] {open.max(), open.size()};
  }

  /** Gives new packs ids above {@code id}, which something still names though its file is gone. */
  public void reserveIdsThrough(int id) {
    appendLock.lock();
    try {
      nextId = Math.max(nextId, id + 1);
    } finally {
      appendLock.unlock();
    }
  }

  /**
   * Sets who learns that a pack was sealed and made durable: none of its records can be lost to a
   * failed fsync from then on.
   */
  public void onSealedDurably(IntConsumer listener) {
    this.durableListener = listener;
  }

  /** Sets who learns of records lost to a failed fsync (see {@link LossListener}). */
  public void onLoss(LossListener listener) {
    this.lossListener = listener;
  }

  /** Cuts a pack whose fsync failed back to what was durable, and reports what was lost. */
  private void abandon(PackWriter w) {
    long durableEnd = w.synced();
    switch (w.abandonAfterFailedSync(path(w.id()))) {
      case DELETED -> {
        PackFile gone = packs.remove(w.id());
        if (gone != null) {
          gone.release();
        }
      }
      case UNSEALED -> cutShort.put(w.id(), durableEnd);
      case SEALED -> {}
    }
    lossListener.lost(w.id(), durableEnd);
  }

  /**
   * Cuts back and seals the packs given up on whose own seal the disk refused (it was full: the
   * trailer needs room too), now that a sync found room. Until then fsck names such a pack's
   * missing trailer; a restart would seal it in recovery.
   */
  private void sealCutShort() {
    if (cutShort.isEmpty()) {
      return;
    }
    synchronized (cutShort) {
      for (Map.Entry<Integer, Long> e : new TreeMap<>(cutShort).entrySet()) {
        try {
          CutShortPack.seal(path(e.getKey()), e.getKey(), e.getValue(), true);
          cutShort.remove(e.getKey());
        } catch (java.nio.file.NoSuchFileException gone) {
          cutShort.remove(e.getKey()); // a gc deleted it: nothing of it was live
        } catch (IOException still) {
          // still no room: the next sync tries again
        }
      }
    }
  }

  /**
   * Gives up on what the open pack holds beyond its last fsync, as after a failed one (see {@link
   * #abandon}): used when records that cannot be written (a full disk) must not hold up later
   * syncs. Nothing acknowledged lies there.
   */
  public void abandonOpen() {
    appendLock.lock();
    try {
      abandonCurrent();
    } finally {
      appendLock.unlock();
    }
  }

  /**
   * Whether pack {@code id} lacks its trailer because it is being sealed, or because its seal was
   * refused after a failed fsync (see {@link #sealCutShort}): a state, not damage.
   */
  public boolean awaitsSeal(int id) {
    return cutShort.containsKey(id) || seals.sealing(id);
  }

  /** The ids of the pack files in {@code dir}, ascending. */
  public static List<Integer> listIds(Path dir) throws IOException {
    List<Integer> ids = new ArrayList<>();
    try (Stream<Path> s = Files.list(dir)) {
      s.forEach(
          p -> {
            int id = PackFormat.idOf(p.getFileName().toString());
            if (id > 0) {
              ids.add(id);
            }
          });
    }
    ids.sort(null);
    return ids;
  }

  /** The directory of the packs. */
  public Path dir() {
    return dir;
  }

  /** The path of pack {@code id}. */
  public Path path(int id) {
    return dir.resolve(PackFormat.fileName(id));
  }

  /** Receives where a record landed, while appends are still held off. */
  @FunctionalInterface
  public interface Placement {
    void placed(int packId, long offset);
  }

  /** Work that needs every pack's length fixed, such as an index checkpoint. */
  @FunctionalInterface
  public interface Quiescent {
    void run(Map<Integer, Long> packLengths) throws IOException;
  }

  /**
   * Appends one complete record (from {@link Records#seal}). {@code placement} learns where it
   * landed before any other append or {@link #whileQuiescent} can run, so that an index updated
   * there is always consistent with the packs when appends are held off.
   */
  public void append(byte[] rec, int off, int len, Placement placement) throws IOException {
    BufferWrite full;
    appendLock.lock();
    try {
      if (current == null) {
        current = createPack();
        newPackNotInDirectory = true;
      }
      long offset;
      try {
        offset = current.append(rec, off, len);
      } catch (IOException | RuntimeException e) {
        abandonCurrent();
        throw e;
      }
      lastAppendNanos = System.nanoTime();
      placement.placed(current.id(), offset);
      full = current.unstartedWrite();
      if (current.size() >= PackFormat.TARGET_SIZE) {
        try {
          sealFull();
        } catch (IOException | RuntimeException e) {
          abandonCurrent();
          throw e;
        }
      }
    } finally {
      appendLock.unlock();
    }
    if (full != null) {
      // This append filled a buffer: write it now, with the lock free for the other workers.
      full.writeOrAwait();
    }
  }

  /**
   * Seals the open pack, which holds records, on the seal thread (see {@link BackgroundSeals}); a
   * pack whose file was removed is put back (and sealed) instead, or its trailer would seal a file
   * no name reaches, and every record in it, acknowledged or about to be, would be lost even at a
   * clean stop (docs/ADVERSARIAL.md, S6). Called with appends held off; the open pack is gone
   * after.
   */
  private void sealFull() throws IOException {
    PackWriter w = current;
    if (putBackIfRemoved(w)) {
      return;
    }
    w.writeTrailer();
    seals.submit(w, this::abandon, this::sealedDurably);
    current = null;
  }

  /**
   * Gives up on the open pack after an append failed part-way (the write of a full buffer it needed
   * back met a full disk): the writer had counted the record in the pack's length, so every record
   * appended after it would have been placed past its bytes (docs/ADVERSARIAL.md, "the open pack
   * after a failed append"). As after a failed fsync, the file is cut back to what was durable and
   * the store learns what was lost; nothing acknowledged lies there. Called with appends held off.
   */
  private void abandonCurrent() {
    PackWriter w = current;
    current = null;
    if (w != null) {
      abandon(w);
    }
  }

  /**
   * Creates the next pack: its writer and the channel readers read it through, both or neither. A
   * writer whose pack the readers could not open (the process out of descriptors: "Too many open
   * files") took the records that followed, and the index placed them in a pack this set did not
   * list: acknowledged chunks read as "its pack keeps disappearing" and fsck called the pack
   * missing, until a restart. Now the new file is deleted again and the append fails; the next
   * append tries another new pack.
   */
  private PackWriter createPack() throws IOException {
    int id = newPackId();
    Path p = path(id);
    PackWriter w = PackWriter.create(id, p, writeBuffers);
    PackFile reader = new PackFile(id, p, open);
    try {
      reader.open();
    } catch (IOException | RuntimeException e) {
      w.discard(p, e);
      throw e;
    }
    packs.put(id, reader);
    watch.start();
    return w;
  }

  /**
   * Runs {@code work} with appends held off, passing the length of every pack at that moment (what
   * an index checkpoint taken now covers).
   */
  public void whileQuiescent(Quiescent work) throws IOException {
    appendLock.lock();
    try {
      Map<Integer, Long> lengths = new TreeMap<>();
      Remote r = remote;
      if (r != null) {
        lengths.putAll(r.lengths());
      }
      for (int id : ids()) {
        PackWriter w = current;
        lengths.put(id, w != null && w.id() == id ? w.size() : Files.size(path(id)));
      }
      PackWriter w = current;
      if (w != null) {
        // Durable, not just flushed: the work (a checkpoint) will name these records, and an
        // index that outlives its records after a power cut would deduplicate against nothing.
        w.flush();
        forceOrAbandon(w);
      }
      seals.awaitAll();
      syncDirectoryIfNewPack();
      work.run(lengths);
    } finally {
      appendLock.unlock();
    }
  }

  /**
   * Makes every record appended so far durable. The buffered records are handed to the OS under the
   * append lock; the fsyncs run outside it, so workers keep appending meanwhile. Packs that filled
   * up are made durable by their background seal, which this waits for.
   */
  /** Bytes appended to the open pack that have not reached its file yet (a sync writes them). */
  public long unflushedBytes() {
    appendLock.lock();
    try {
      PackWriter w = current;
      return w == null ? 0 : w.size() - w.flushed();
    } finally {
      appendLock.unlock();
    }
  }

  public void sync() throws IOException {
    PackWriter w;
    appendLock.lock();
    try {
      w = current;
      if (w != null && w.dirty()) {
        w.flush();
      } else {
        w = null;
      }
    } finally {
      appendLock.unlock();
    }
    seals.awaitAll();
    if (w != null) {
      forceOrAbandon(w);
    }
    // After the fsync, not before: a removal that lands while it runs would otherwise leave this
    // sync's records, about to be acknowledged, in a file no name reaches (S6). Forced into the
    // removed file, they are copied back with the rest and forced again.
    restoreIfRemoved();
    syncDirectoryIfNewPack();
    sealCutShort();
  }

  /**
   * Puts the open pack's file back if it was removed from the directory while open (an operator
   * clearing files, a cleaner): the records appended to it, acknowledged ones among them, would
   * otherwise be acknowledged into a file no name reaches, and lost at the next start
   * (docs/ADVERSARIAL.md, P11). One stat per sync.
   */
  private void restoreIfRemoved() throws IOException {
    PackWriter w = current;
    if (w == null || w.stillAt(path(w.id()))) {
      return;
    }
    appendLock.lock();
    try {
      if (current == w) {
        putBackIfRemoved(w);
      }
    } finally {
      appendLock.unlock();
    }
  }

  /**
   * The periodic check ({@link RemovalWatch}): an idle store syncs never, and a crash would lose
   * what the removed pack holds however long ago it was acknowledged (docs/ADVERSARIAL.md, S6).
   */
  private void checkOpenPack() {
    try {
      restoreIfRemoved();
    } catch (IOException | RuntimeException e) {
      // Logged, and the pack's records forgotten, by putBackIfRemoved; the next check goes on.
    }
  }

  /**
   * If the file of open pack {@code w} is no longer at its name, puts it back from the open file,
   * sealed, and returns true: the next append opens a new pack. Called with appends held off.
   *
   * <p>If that fails (a full disk), the pack's records are nowhere a restart finds them: the store
   * forgets every one of them now ({@link LossListener}, from offset 0) rather than keep them in
   * its index as if present, where later puts would deduplicate against them and be acknowledged
   * into the same loss. The open file is closed, which frees its space.
   */
  private boolean putBackIfRemoved(PackWriter w) throws IOException {
    Path at = path(w.id());
    if (w.stillAt(at)) {
      return false;
    }
    LOG.log(
        System.Logger.Level.WARNING,
        "pack {0} was removed from {1} while open; put back from the open file ({2} bytes) and"
            + " sealed",
        PackFormat.fileName(w.id()),
        dir,
        w.size());
    current = null;
    try {
      w.restoreAt(at);
    } catch (IOException | RuntimeException e) {
      LOG.log(
          System.Logger.Level.ERROR,
          "pack {0} was removed from {1} while open and could not be put back ({2}): its {3}"
              + " records are lost",
          PackFormat.fileName(w.id()),
          dir,
          e.getMessage(),
          w.records());
      w.giveUpRestore(at, e);
      PackFile gone = packs.remove(w.id());
      if (gone != null) {
        gone.release();
      }
      lossListener.lost(w.id(), 0);
      throw e;
    }
    newPackNotInDirectory = false; // the restore synced the directory
    // Sealed and durable like any full pack: a store sharing a bucket uploads it.
    sealedDurably(w.id());
    return true;
  }

  /**
   * An fsync of a new pack makes its bytes durable, not its name in the directory: the first sync
   * after a pack was created also syncs the directory, or a power cut could lose the whole pack.
   */
  private void syncDirectoryIfNewPack() throws IOException {
    if (newPackNotInDirectory) {
      newPackNotInDirectory = false;
      try {
        AtomicFiles.syncDirectory(dir);
      } catch (IOException e) {
        newPackNotInDirectory = true;
        throw e;
      }
    }
  }

  /**
   * Whether the record at {@code packId}/{@code end} (its end offset) is durable: in a sealed pack
   * whose fsync finished, or within what the open pack's last fsync covered.
   */
  public boolean isDurable(int packId, long end) {
    PackWriter w = current;
    if (w != null && w.id() == packId) {
      return end <= w.synced();
    }
    Remote r = remote;
    // A pack indexed from the bucket was uploaded whole before its index segment was published.
    return (packs.containsKey(packId) || (r != null && r.length(packId) >= 0))
        && !seals.sealing(packId);
  }

  /** Forces the open pack {@code w}; if the fsync fails, gives up on it (see {@link #abandon}). */
  private void forceOrAbandon(PackWriter w) throws IOException {
    try {
      w.force();
    } catch (IOException e) {
      appendLock.lock();
      try {
        if (current == w) {
          current = null;
          abandon(w);
        }
      } finally {
        appendLock.unlock();
      }
      throw e;
    }
  }

  /**
   * Seals the open pack, if any, so that every pack up to the returned id is immutable; later
   * appends go to packs with higher ids.
   */
  public int sealCurrent() throws IOException {
    appendLock.lock();
    try {
      PackWriter w = current;
      // A trailer written to a removed file would seal it where nothing reads: put back instead.
      if (w != null && !putBackIfRemoved(w)) {
        current = null;
        try {
          w.seal();
        } catch (IOException | RuntimeException e) {
          // Half a trailer, or a trailer that never became durable: keep what was.
          abandon(w);
          throw e;
        }
        sealedDurably(w.id());
      }
      return nextId - 1;
    } finally {
      appendLock.unlock();
    }
  }

  /**
   * Reads {@code len} bytes at {@code offset} of pack {@code id} into {@code dst}. Returns false if
   * the pack was retired by GC meanwhile (the caller looks the chunk up again).
   */
  public boolean read(int id, long offset, byte[] dst, int len) throws IOException {
    PackFile pack = packs.get(id);
    if (pack != null && pack.acquire()) {
      try {
        ensureVisible(id, offset + len);
        if (pack.read(offset, dst, 0, len)) {
          return true;
        }
        // Retired under this read, its file gone: the bucket's copy, or the caller looks again.
      } finally {
        pack.release();
      }
    }
    Remote r = remote;
    if (r != null && r.length(id) >= 0) {
      r.read(id, offset, dst, len);
      return true;
    }
    return false;
  }

  private void ensureVisible(int id, long end) throws IOException {
    PackWriter w = current;
    if (w != null && w.id() == id && w.flushed() < end) {
      appendLock.lock();
      try {
        if (current != null && current.id() == id && current.flushed() < end) {
          current.flush();
        }
      } finally {
        appendLock.unlock();
      }
    }
  }

  /** An action that may fail with an I/O error. */
  @FunctionalInterface
  public interface IoAction {
    void run() throws IOException;
  }

  /**
   * Retires packs that hold nothing live any more: they leave the set first, so that {@code
   * beforeUnlink} (an index checkpoint) no longer lists them, and are unlinked after it. Readers
   * still holding one finish first.
   */
  public void retire(List<Integer> ids, IoAction beforeUnlink) throws IOException {
    List<PackFile> gone = new ArrayList<>();
    for (int id : ids) {
      PackFile p = packs.remove(id);
      if (p != null) {
        gone.add(p);
      }
    }
    try {
      beforeUnlink.run();
    } catch (IOException | RuntimeException e) {
      // Nothing was unlinked: the packs stay readable, and a later try retires them.
      for (PackFile p : gone) {
        packs.put(p.id(), p);
      }
      throw e;
    }
    for (PackFile p : gone) {
      p.retire();
    }
    AtomicFiles.syncDirectory(dir);
  }

  /** The ids of all packs, ascending. */
  public List<Integer> ids() {
    return new ArrayList<>(new TreeMap<>(packs).keySet());
  }

  /**
   * The open pack's id (or the id it would get) and how many of its bytes readers can see in the
   * file, read together: every record below that length is wholly in the file.
   *
   * @param packId the open pack's id
   * @param length its bytes handed to the OS (0: no pack open)
   */
  public record Flushed(int packId, long length) {}

  /** The open pack and its length in the file now (see {@link Flushed}). */
  public Flushed openFlushed() {
    appendLock.lock();
    try {
      return current != null
          ? new Flushed(current.id(), current.flushed())
          : new Flushed(nextId, 0);
    } finally {
      appendLock.unlock();
    }
  }

  /** The id the open pack has, or would get: every pack below it is sealed. */
  public int openId() {
    appendLock.lock();
    try {
      return current != null ? current.id() : nextId;
    } finally {
      appendLock.unlock();
    }
  }

  /** Bytes of all pack files on disk, buffered appends included. */
  public long bytesOnDisk() throws IOException {
    long total = 0;
    for (int id : ids()) {
      PackWriter w = current;
      if (w != null && w.id() == id) {
        total += w.size();
      } else {
        try {
          total += Files.size(path(id));
        } catch (java.nio.file.NoSuchFileException e) {
          // Retired by GC while we counted.
        }
      }
    }
    return total;
  }

  @Override
  public void close() throws IOException {
    // First: a check running now needs the append lock.
    watch.close();
    appendLock.lock();
    try {
      try {
        PackWriter w = current;
        // A trailer written to a removed file would seal it where nothing reads: put back instead.
        if (w != null && !putBackIfRemoved(w)) {
          current = null;
          w.seal();
          sealedDurably(w.id());
        }
      } finally {
        try {
          seals.close();
        } finally {
          for (PackFile p : packs.values()) {
            p.release();
          }
          packs.clear();
        }
      }
    } finally {
      appendLock.unlock();
    }
  }
}
