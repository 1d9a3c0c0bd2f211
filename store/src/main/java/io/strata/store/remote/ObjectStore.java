package io.strata.store.remote;

import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Path;

/**
 * A bucket of object storage under a key prefix: what a shared chunk store needs of S3. Keys are
 * relative to the prefix. Implementations retry transient failures (timeouts, 500, 503, SlowDown)
 * with backoff themselves and throw {@link IOException} naming the bucket and key once they give
 * up.
 */
public interface ObjectStore extends Closeable {
  /** The bucket and prefix, e.g. {@code s3://bucket/prefix}: what names the store. */
  String location();

  /** Where the objects live, for messages: e.g. {@code s3://bucket/prefix at http://host:7480}. */
  String describe();

  /** Writes {@code data} under {@code key}, replacing what was there. */
  void put(String key, byte[] data) throws IOException;

  /** Writes the contents of {@code file} under {@code key}, replacing what was there. */
  void put(String key, Path file) throws IOException;

  /**
   * Writes {@code data} under {@code key} only if no object has that key ({@code If-None-Match:
   * *}), atomically: of two stores creating the same key at once exactly one succeeds.
   *
   * @return true if this call created the object, false if it existed
   */
  boolean create(String key, byte[] data) throws IOException;

  /** The whole object, or null if there is none under {@code key}. */
  byte[] get(String key) throws IOException;

  /**
   * Reads {@code len} bytes at {@code offset} of the object into {@code dst} with one ranged GET;
   * throws {@link MissingObjectException} if there is no such object, and an {@link IOException} if
   * it is shorter.
   */
  void read(String key, long offset, byte[] dst, int off, int len) throws IOException;

  /** Calls {@code visitor} for every object whose key starts with {@code prefix}, in key order. */
  void list(String prefix, Visitor visitor) throws IOException;

  /** Receives one listed object. */
  @FunctionalInterface
  interface Visitor {
    void object(String key, long size) throws IOException;
  }

  /**
   * As {@link #list}, with each object's entity tag as the store gives it, unquoted: S3's is the
   * MD5 (hex) of the bytes of an object put in one request without server-side encryption by KMS or
   * a customer key, something else otherwise; null if the store keeps none.
   */
  default void listTagged(String prefix, TaggedVisitor visitor) throws IOException {
    list(prefix, (key, size) -> visitor.object(key, size, null));
  }

  /** Receives one listed object and its entity tag. */
  @FunctionalInterface
  interface TaggedVisitor {
    void object(String key, long size, String etag) throws IOException;
  }

  /** Deletes the object under {@code key}; no error if there is none. */
  void delete(String key) throws IOException;
}
