package io.strata.server.registry;

import io.strata.store.digest.Digest;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;

/**
 * Gzip blobs kept as recipes, also held whole in files so that a pull does not pay a deflate of the
 * whole layer (regenerating a 93 MB layer takes seconds; sending a file takes a fraction of one).
 * Bounded by {@code maxBytes}, least recently used first out; 0 turns it off. The chunk store stays
 * the only durable copy: a file here is a copy of bytes already verified (an upload's spool whose
 * digest matched, or a regeneration that ended with the blob's digest), named by that digest, put
 * in place by a rename so a reader never sees half a file. Files found at start are counted (though
 * stratad's start empties {@code DATA/tmp}, where the cache lives, first). What the cache holds is
 * disk the store does not count; {@link #bytes} says how much.
 *
 * <p>Nothing checks a file once it is here (a disk's damage, a stray write), so no byte of one is
 * sent unchecked ({@link CachedCopyBody}): the first full read checks the blob's digest and keeps a
 * CRC32C of each block, in memory, which every later read checks. A copy found damaged is dropped
 * ({@link #damaged}); the store, whose chunks are verified, serves the blob and the next full
 * {@code GET} makes the copy again.
 *
 * <p>The cache gives way to the store (docs/ADVERSARIAL.md, R3): a new copy is not kept when it
 * would leave the file system with less than {@code headroom} usable ({@link #headroomFor}), and a
 * full disk met anywhere in the registry empties it ({@link #clear}). A reader that opened a copy
 * before it went keeps reading it: unlinking an open file frees its space at the last close.
 */
final class BlobCache {
  private static final System.Logger LOG = System.getLogger(BlobCache.class.getName());
  private static final String PARTIAL = ".partial-";

  private final Path dir;
  private final long maxBytes;
  private final long headroom;
  // access order: the eldest entry is the least recently used
  private final LinkedHashMap<String, Held> held = new LinkedHashMap<>(16, 0.75f, true);
  private long bytes;
  private long generations;

  /**
   * A cached copy of blob {@code digest} in {@code file}; {@code generation} tells it from a copy
   * of the same blob put there later, which a reader of this one must not drop.
   */
  record Copy(Digest digest, Path file, long generation) {}

  /** What the cache knows of one file. */
  private static final class Held {
    final long size;
    final long generation;
    // the CRC32C of each block, known once a full read checked the digest; null before
    int[] sums;

    Held(long size, long generation) {
      this.size = size;
      this.generation = generation;
    }
  }

  /** A cache in {@code dir} of at most {@code maxBytes}, with the headroom of its file system. */
  BlobCache(Path dir, long maxBytes) throws IOException {
    this(dir, maxBytes, headroomFor(Files.getFileStore(privateDirectories(dir))));
  }

  /** As the above, keeping no new copy that leaves less than {@code headroom} bytes usable. */
  BlobCache(Path dir, long maxBytes, long headroom) throws IOException {
    this.dir = dir;
    this.maxBytes = maxBytes;
    this.headroom = headroom;
    privateDirectories(dir);
    try (DirectoryStream<Path> files = Files.newDirectoryStream(dir)) {
      for (Path p : files) {
        String n = p.getFileName().toString();
        if (maxBytes > 0 && n.matches("[0-9a-f]{64}")) {
          long size = Files.size(p);
          held.put(n, new Held(size, ++generations));
          bytes += size;
        } else {
          Files.deleteIfExists(p);
        }
      }
    }
    synchronized (this) {
      evict();
    }
  }

  /**
   * The space a copy must leave usable on {@code fs}: a tenth of it, at most {@link #MAX_HEADROOM}.
   * The store's writes (a push's staged layer, packs, the index checkpoint) need room the cache
   * does not see coming; a tenth keeps the cache out of a small disk's last stretch, and 1 GiB on a
   * large one is room for a typical layer while the cache is emptied by the first full disk.
   */
  static long headroomFor(FileStore fs) throws IOException {
    return Math.min(MAX_HEADROOM, fs.getTotalSpace() / 10);
  }

  /** The most headroom asked of a large file system. */
  static final long MAX_HEADROOM = 1L << 30;

  boolean enabled() {
    return maxBytes > 0;
  }

  /**
   * Whether a copy of {@code size} bytes may be made now: it would leave the headroom usable. A
   * pull checks before it writes a copy aside, so that a nearly full disk is not filled by it.
   */
  boolean hasRoomFor(long size) {
    try {
      return Files.getFileStore(dir).getUsableSpace() - size >= headroom;
    } catch (IOException e) {
      return false;
    }
  }

  /** The copy of blob {@code d}, or null when the cache does not have it. */
  synchronized Copy get(Digest d) {
    Held h = held.get(d.hex());
    return h == null ? null : new Copy(d, dir.resolve(d.hex()), h.generation);
  }

  /** The CRC32C of each block of {@code c}, or null until a full read has checked its digest. */
  synchronized int[] sums(Copy c) {
    Held h = held.get(c.digest().hex());
    return h == null || h.generation != c.generation() ? null : h.sums;
  }

  /** Keeps {@code sums}, read from {@code c} whose digest was then checked, for later reads. */
  synchronized void verified(Copy c, int[] sums) {
    Held h = held.get(c.digest().hex());
    if (h != null && h.generation == c.generation()) {
      h.sums = sums.clone();
    }
  }

  /**
   * Drops {@code c}, whose bytes are not its blob's ({@code why}), unless another copy took its
   * place meanwhile. Logged: the disk under the data root may be failing.
   */
  void damaged(Copy c, String why) {
    synchronized (this) {
      Held h = held.get(c.digest().hex());
      if (h == null || h.generation != c.generation()) {
        return;
      }
      held.remove(c.digest().hex());
      bytes -= h.size;
      delete(c.digest().hex());
    }
    LOG.log(
        System.Logger.Level.WARNING,
        "blob cache: the copy of {0} is damaged ({1}); dropped, the store serves the blob",
        c.digest(),
        why);
  }

  /** A new file to write a copy into, then {@link #commit} or delete. */
  Path partial() {
    return dir.resolve(PARTIAL + UUID.randomUUID());
  }

  /**
   * Makes {@code file} (written in full, its bytes verified to be blob {@code d}) the cached copy
   * of {@code d}, evicting the least recently used copies past the bound; a file larger than the
   * bound is deleted.
   */
  void commit(Digest d, Path file) {
    try {
      long size = Files.size(file);
      if (!enabled() || size > maxBytes) {
        Files.deleteIfExists(file);
        return;
      }
      // the file is written: what is usable now is what keeping it leaves
      long usable = Files.getFileStore(dir).getUsableSpace();
      if (usable < headroom) {
        LOG.log(
            System.Logger.Level.DEBUG,
            "blob cache: not keeping {0}: {1} bytes usable, under the headroom of {2}",
            d,
            usable,
            headroom);
        Files.deleteIfExists(file);
        return;
      }
      synchronized (this) {
        Files.move(
            file,
            dir.resolve(d.hex()),
            StandardCopyOption.ATOMIC_MOVE,
            StandardCopyOption.REPLACE_EXISTING);
        Held old = held.put(d.hex(), new Held(size, ++generations));
        bytes += size - (old == null ? 0 : old.size);
        evict();
      }
    } catch (IOException e) {
      LOG.log(System.Logger.Level.WARNING, "blob cache: cannot keep {0}: {1}", d, e.toString());
      try {
        Files.deleteIfExists(file);
      } catch (IOException ignored) {
        // the next start deletes it
      }
    }
  }

  /**
   * Keeps the spool {@code spool} of an upload whose digest matched as the copy of {@code d}: a
   * hard link, so it costs no copy, and the spool can be deleted as usual.
   */
  void keepSpool(Digest d, Path spool) {
    if (!enabled()) {
      return;
    }
    Path p = partial();
    try {
      Files.createLink(p, spool);
    } catch (IOException | UnsupportedOperationException e) {
      return;
    }
    commit(d, p);
  }

  /** Drops the copy of {@code d} (a blob no longer kept as a recipe, or deleted). */
  synchronized void drop(Digest d) {
    Held h = held.remove(d.hex());
    if (h != null) {
      bytes -= h.size;
      delete(d.hex());
    }
  }

  /**
   * Drops every copy, because the disk is full ({@code why}): the store needs the space more than
   * pulls need the copies. Readers of a copy keep reading it; later pulls regenerate from the
   * store.
   */
  void clear(String why) {
    long freed;
    int files;
    synchronized (this) {
      if (held.isEmpty()) {
        return;
      }
      freed = bytes;
      files = held.size();
      for (String name : held.keySet()) {
        delete(name);
      }
      held.clear();
      bytes = 0;
    }
    LOG.log(
        System.Logger.Level.WARNING,
        "blob cache: emptied ({0} copies, {1} bytes) for the store: {2}",
        files,
        freed,
        why);
  }

  /** Bytes the cached copies take. */
  synchronized long bytes() {
    return bytes;
  }

  private void evict() {
    Iterator<Map.Entry<String, Held>> it = held.entrySet().iterator();
    while (bytes > maxBytes && it.hasNext()) {
      Map.Entry<String, Held> e = it.next();
      it.remove();
      bytes -= e.getValue().size;
      // a reader that opened the file keeps reading it: unlinking an open file is safe
      delete(e.getKey());
    }
  }

  private void delete(String name) {
    try {
      Files.deleteIfExists(dir.resolve(name));
    } catch (IOException e) {
      LOG.log(System.Logger.Level.WARNING, "blob cache: cannot delete {0}: {1}", name, e);
    }
  }

  /** {@code dir}, made owner-only if missing: the data root's files are its owner's alone. */
  private static Path privateDirectories(Path dir) throws IOException {
    io.strata.store.disk.AtomicFiles.createPrivateDirectories(dir);
    return dir;
  }
}
