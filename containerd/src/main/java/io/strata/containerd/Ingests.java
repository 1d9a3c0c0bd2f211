package io.strata.containerd;

import io.grpc.Status;
import io.strata.store.engine.ChunkStore;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** The writes in progress, by namespace and ref; one Write stream holds a ref at a time. */
final class Ingests {
  /** How long a stream waits for a ref another stream holds. */
  static final long LOCK_WAIT_NANOS = TimeUnit.SECONDS.toNanos(2);

  private final ChunkStore chunks;
  private final Map<String, Ingest> byRef = new LinkedHashMap<>();

  Ingests(ChunkStore chunks) {
    this.chunks = chunks;
  }

  private static String id(String namespace, String ref) {
    return namespace + "\n" + ref;
  }

  /**
   * Takes ref's ingest for a stream, starting one if there is none. A ref another stream holds is
   * waited for up to {@link #LOCK_WAIT_NANOS}, since a client that closes one stream and opens the
   * next at once races the server's end of the first (containerd's local store retries the same
   * way); after that, UNAVAILABLE.
   */
  synchronized Ingest lock(String namespace, String ref, Instant now) throws InterruptedException {
    long deadline = System.nanoTime() + LOCK_WAIT_NANOS;
    Ingest i = byRef.get(id(namespace, ref));
    while (i != null && i.locked) {
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        throw Status.UNAVAILABLE
            .withDescription("ref " + ref + " locked: another Write stream is writing it")
            .asRuntimeException();
      }
      TimeUnit.NANOSECONDS.timedWait(this, left);
      i = byRef.get(id(namespace, ref));
    }
    if (i == null) {
      i = new Ingest(chunks, namespace, ref, now);
      byRef.put(id(namespace, ref), i);
    }
    i.locked = true;
    return i;
  }

  /** Lets another stream take {@code i}. */
  synchronized void unlock(Ingest i) {
    i.locked = false;
    notifyAll();
  }

  /** Forgets {@code i} (committed or discarded). */
  synchronized void remove(Ingest i) {
    byRef.remove(id(i.namespace, i.ref), i);
    notifyAll();
  }

  /** Ref's ingest; NOT_FOUND if there is none. */
  synchronized Ingest get(String namespace, String ref) {
    Ingest i = byRef.get(id(namespace, ref));
    if (i == null) {
      throw ErrorCodes.notFound("ref " + ref + ": no write in progress");
    }
    return i;
  }

  /** Every ingest of {@code namespace}. */
  synchronized List<Ingest> list(String namespace) {
    List<Ingest> out = new ArrayList<>();
    for (Ingest i : byRef.values()) {
      if (i.namespace.equals(namespace)) {
        out.add(i);
      }
    }
    return out;
  }

  /** Aborts ref's ingest: what it wrote becomes garbage. NOT_FOUND if there is none. */
  synchronized void abort(String namespace, String ref) {
    Ingest i = get(namespace, ref);
    byRef.remove(id(namespace, ref));
    i.discard();
    notifyAll();
  }

  /** Discards every ingest (at shutdown). */
  synchronized void closeAll() {
    for (Ingest i : byRef.values()) {
      i.discard();
    }
    byRef.clear();
  }
}
