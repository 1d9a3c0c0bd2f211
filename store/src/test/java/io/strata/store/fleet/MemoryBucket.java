package io.strata.store.fleet;

import io.strata.store.remote.MissingObjectException;
import io.strata.store.remote.ObjectStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentSkipListMap;

/**
 * A bucket in memory with S3's semantics as the shared store uses them (atomic create, ranged
 * reads, listings in key order), for tests of the fleet's protocol without an S3 server; several
 * stores share one instance, so closing it does nothing.
 */
final class MemoryBucket implements ObjectStore {
  final Map<String, byte[]> objects = new ConcurrentSkipListMap<>();

  /** Whether listings tag each object with its MD5, as S3 does for a plain single PUT. */
  volatile boolean md5Tags = true;

  /** Run (once) at the next listing with tags: what another thread does while fsck lists packs. */
  volatile Runnable onNextTaggedListing;

  @Override
  public String location() {
    return "s3://memory/test";
  }

  @Override
  public String describe() {
    return location() + " in memory";
  }

  @Override
  public void put(String key, byte[] data) {
    objects.put(key, data.clone());
  }

  @Override
  public void put(String key, Path file) throws IOException {
    objects.put(key, Files.readAllBytes(file));
  }

  @Override
  public synchronized boolean create(String key, byte[] data) {
    return objects.putIfAbsent(key, data.clone()) == null;
  }

  @Override
  public byte[] get(String key) {
    byte[] b = objects.get(key);
    return b == null ? null : b.clone();
  }

  @Override
  public void read(String key, long offset, byte[] dst, int off, int len) throws IOException {
    byte[] b = objects.get(key);
    if (b == null) {
      throw new MissingObjectException(location() + "/" + key + ": no such object", null);
    }
    if (offset + len > b.length) {
      throw new IOException(location() + "/" + key + " is shorter than " + (offset + len));
    }
    System.arraycopy(b, (int) offset, dst, off, len);
  }

  @Override
  public void list(String prefix, Visitor visitor) throws IOException {
    for (var e : objects.entrySet()) {
      if (e.getKey().startsWith(prefix)) {
        visitor.object(e.getKey(), e.getValue().length);
      }
    }
  }

  @Override
  public void listTagged(String prefix, TaggedVisitor visitor) throws IOException {
    Runnable hook = onNextTaggedListing;
    onNextTaggedListing = null;
    if (hook != null) {
      hook.run();
    }
    for (var e : objects.entrySet()) {
      if (e.getKey().startsWith(prefix)) {
        String tag = null;
        if (md5Tags) {
          try {
            tag =
                java.util.HexFormat.of()
                    .formatHex(java.security.MessageDigest.getInstance("MD5").digest(e.getValue()));
          } catch (java.security.NoSuchAlgorithmException x) {
            throw new IllegalStateException(x);
          }
        }
        visitor.object(e.getKey(), e.getValue().length, tag);
      }
    }
  }

  @Override
  public void delete(String key) {
    objects.remove(key);
  }

  /** Bytes of the pack objects. */
  long packBytes() {
    long total = 0;
    for (var e : objects.entrySet()) {
      total += e.getKey().startsWith("packs/") ? e.getValue().length : 0;
    }
    return total;
  }

  @Override
  public void close() {}
}
