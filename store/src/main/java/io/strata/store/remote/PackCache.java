package io.strata.store.remote;

import io.strata.store.disk.AtomicFiles;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

/**
 * What this disk holds of packs that live in the bucket, within a byte budget, least recently used
 * first out: blocks of other stores' packs fetched with ranged GETs ({@code chunks/cache/}), and
 * this store's own uploaded packs, which stay in {@code chunks/packs/} until evicted. A read never
 * fetches a whole pack: only the {@link #BLOCK}-sized blocks its bytes lie in.
 */
final class PackCache {
  private static final System.Logger LOG = System.getLogger(PackCache.class.getName());

  /** Blocks of 4 MiB: a handful of records around the one read, one GET each. */
  static final int BLOCK = 4 << 20;

  /** Drops this disk's copy of an own pack the bucket holds. */
  @FunctionalInterface
  interface OwnPackEvictor {
    void evict(int packId) throws IOException;
  }

  private final Path dir;
  private final long budget;
  private final ObjectStore objects;
  private final OwnPackEvictor evictor;
  // Key: pack id << 32 | block number for blocks, pack id << 32 | 0xFFFFFFFF for own packs.
  private final LinkedHashMap<Long, Long> entries = new LinkedHashMap<>(64, 0.75f, true);
  private final Map<Long, CompletableFuture<Path>> fetching = new ConcurrentHashMap<>();
  private long bytes;
  final AtomicLong hits = new AtomicLong();
  final AtomicLong misses = new AtomicLong();
  final AtomicLong fetchedBytes = new AtomicLong();

  PackCache(Path dir, long budget, ObjectStore objects, OwnPackEvictor evictor) throws IOException {
    this.dir = dir;
    this.budget = budget;
    this.objects = objects;
    this.evictor = evictor;
    AtomicFiles.createPrivateDirectories(dir);
    try (Stream<Path> files = Files.list(dir)) {
      for (Path p : (Iterable<Path>) files::iterator) {
        long key = keyOf(p.getFileName().toString());
        if (key < 0) {
          Files.delete(p); // a block whose download a crash cut short
        } else {
          entries.put(key, Files.size(p));
          bytes += Files.size(p);
        }
      }
    }
  }

  private static long keyOf(String name) {
    if (name.length() != 13 || name.charAt(8) != '.') {
      return -1;
    }
    try {
      return (long) Integer.parseUnsignedInt(name.substring(0, 8), 16) << 32
          | Integer.parseUnsignedInt(name.substring(9), 16);
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  private Path blockPath(int packId, int block) {
    return dir.resolve(String.format("%08x.%04x", packId, block));
  }

  /** This store's uploaded pack {@code id} ({@code length} bytes) may now be evicted. */
  void ownPack(int id, long length) throws IOException {
    synchronized (this) {
      long key = (long) id << 32 | 0xFFFFFFFFL;
      if (entries.put(key, length) == null) {
        bytes += length;
      }
    }
    trim();
  }

  /** Reads {@code len} bytes at {@code offset} of pack {@code id} of {@code packLength} bytes. */
  void read(int id, long packLength, long offset, byte[] dst, int len) throws IOException {
    int done = 0;
    while (done < len) {
      long pos = offset + done;
      int block = (int) (pos / BLOCK);
      long blockStart = (long) block * BLOCK;
      int n = (int) Math.min(len - done, blockStart + BLOCK - pos);
      Path p = block(id, packLength, block);
      try (FileChannel ch = FileChannel.open(p, StandardOpenOption.READ)) {
        ByteBuffer bb = ByteBuffer.wrap(dst, done, n);
        while (bb.hasRemaining()) {
          if (ch.read(bb, pos - blockStart + bb.position() - done) < 0) {
            throw new IOException("cached block " + p.getFileName() + " is short");
          }
        }
      } catch (java.nio.file.NoSuchFileException e) {
        continue; // evicted between finding and opening it: fetch it again
      }
      done += n;
    }
  }

  /** The file of a block, fetched with one ranged GET if this disk lacks it. */
  private Path block(int id, long packLength, int block) throws IOException {
    long key = (long) id << 32 | block;
    Path p = blockPath(id, block);
    synchronized (this) {
      if (entries.get(key) != null) {
        hits.incrementAndGet();
        return p;
      }
    }
    CompletableFuture<Path> mine = new CompletableFuture<>();
    CompletableFuture<Path> running = fetching.putIfAbsent(key, mine);
    if (running != null) {
      return await(running);
    }
    try {
      misses.incrementAndGet();
      long start = (long) block * BLOCK;
      int n = (int) Math.min(BLOCK, packLength - start);
      byte[] b = new byte[n];
      objects.read(BucketLayout.pack(id), start, b, 0, n);
      fetchedBytes.addAndGet(n);
      Path tmp = dir.resolve(p.getFileName() + ".tmp");
      AtomicFiles.writePrivate(tmp, b);
      Files.move(tmp, p, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
      synchronized (this) {
        entries.put(key, (long) n);
        bytes += n;
      }
      mine.complete(p);
    } catch (IOException | RuntimeException e) {
      mine.completeExceptionally(e);
      throw e;
    } finally {
      fetching.remove(key);
    }
    trim();
    return p;
  }

  private static Path await(CompletableFuture<Path> f) throws IOException {
    try {
      return f.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while a pack block was fetched", e);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof IOException io) {
        throw io;
      }
      throw new IOException(e.getCause().getMessage(), e.getCause());
    }
  }

  /** Evicts the least recently used entries until the cache fits its budget. */
  void trim() throws IOException {
    while (true) {
      long key;
      long size;
      synchronized (this) {
        if (bytes <= budget || entries.isEmpty()) {
          return;
        }
        Iterator<Map.Entry<Long, Long>> it = entries.entrySet().iterator();
        Map.Entry<Long, Long> e = it.next();
        key = e.getKey();
        size = e.getValue();
        it.remove();
        bytes -= size;
      }
      int id = (int) (key >>> 32);
      int block = (int) key;
      try {
        if (block == -1) {
          evictor.evict(id);
        } else {
          Files.deleteIfExists(blockPath(id, block));
        }
      } catch (IOException e) {
        LOG.log(System.Logger.Level.WARNING, "pack cache: could not evict pack {0}: {1}", id, e);
      }
    }
  }

  /**
   * Drops the cached blocks holding bytes {@code offset} to {@code offset + len} of pack {@code
   * id}, whose copy failed its checksum: the next read fetches them from the bucket again.
   */
  void drop(int id, long offset, int len) throws IOException {
    int first = (int) (offset / BLOCK);
    int last = (int) ((offset + Math.max(len, 1) - 1) / BLOCK);
    for (int block = first; block <= last; block++) {
      long key = (long) id << 32 | block;
      synchronized (this) {
        Long size = entries.remove(key);
        if (size == null) {
          continue;
        }
        bytes -= size;
      }
      Files.deleteIfExists(blockPath(id, block));
    }
  }

  /** Drops whatever the cache holds of pack {@code id}, which is gone from the bucket. */
  void forget(int id) throws IOException {
    List<Long> gone = new java.util.ArrayList<>();
    synchronized (this) {
      var it = entries.entrySet().iterator();
      while (it.hasNext()) {
        var e = it.next();
        if ((int) (e.getKey() >>> 32) == id) {
          gone.add(e.getKey());
          bytes -= e.getValue();
          it.remove();
        }
      }
    }
    for (long key : gone) {
      int block = (int) key;
      if (block != -1) {
        Files.deleteIfExists(blockPath(id, block));
      }
    }
  }

  /** Bytes the cache holds. */
  synchronized long bytes() {
    return bytes;
  }
}
