package io.strata.store.transfer;

import io.strata.store.compress.Codec;
import io.strata.store.digest.Digest;
import io.strata.store.engine.ChunkStore;
import io.strata.store.engine.WriteSession;
import io.strata.store.error.NotFoundException;
import io.strata.store.ref.Root;
import io.strata.store.ref.RootChange;
import java.io.ByteArrayInputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.roaringbitmap.RoaringBitmap;

/**
 * The receiving end of a transfer: stores each verified chunk and keeps every chunk that arrived
 * pinned under the root {@code xfer/<plan id>}, committed every {@value #PIN_EVERY_BYTES} bytes and
 * when the intake closes, so that gc leaves them alone and a transfer cut short resumes without
 * fetching them again. The root also holds the plan (after the time of the last pin, a u64 of
 * milliseconds), so a plan offered in one request can be applied in another. {@link #release}
 * removes the root once the layers hold the chunks; {@link #dropIdle} removes those of transfers
 * given up on.
 */
public final class ChunkIntake implements Closeable {
  public static final String PREFIX = "xfer/";
  private static final long PIN_EVERY_BYTES = 32L << 20;
  private static final Object PINS = new Object();

  private final ChunkStore store;
  private final Clock clock;
  private final String root;
  private final byte[] plan;
  private final RoaringBitmap received;
  private WriteSession session;
  private long unpinned;
  private long chunks;
  private long bytes;

  /** Starts (or resumes) receiving {@code plan}: pins the plan at once. */
  public ChunkIntake(ChunkStore store, TransferPlan plan) throws IOException {
    this(store, plan, Clock.systemUTC());
  }

  /** As above, with the clock that stamps each pin (see {@link #dropIdle}). */
  public ChunkIntake(ChunkStore store, TransferPlan plan, Clock clock) throws IOException {
    this.store = store;
    this.clock = clock;
    this.plan = plan.encode();
    this.root = rootName(Digest.sha256(this.plan, 0, this.plan.length));
    Root existing = store.root(root);
    this.received = existing == null ? new RoaringBitmap() : existing.chunks().clone();
    this.session = store.session();
    pin();
  }

  /** The root that pins the chunks of plan {@code id}. */
  public static String rootName(Digest id) {
    return PREFIX + id.hex();
  }

  /**
   * Reads a stream of {@link ChunkRecords} holding chunks of {@code wanted}, verifies and stores
   * each, and pins them before it returns. {@code where} names the sender in errors. Chunks stored
   * before an error stay pinned.
   */
  public long accept(InputStream records, Map<Digest, Integer> wanted, String where)
      throws IOException {
    try {
      return ChunkRecords.read(records, wanted, where, this::store);
    } finally {
      if (unpinned > 0) {
        pin();
      }
    }
  }

  // Stored as it came: the record reader decoded and re-hashed it, which is the verification a
  // compression of our own would need.
  private void store(Digest d, Codec codec, byte[] encoded, int length, int rawLength)
      throws IOException {
    ChunkStore.Stored s = store.putEncoded(session, d, codec, encoded, length, rawLength);
    received.add(s.id());
    chunks++;
    bytes += rawLength;
    unpinned += rawLength;
    if (unpinned >= PIN_EVERY_BYTES) {
      pin();
    }
  }

  /** Chunks this intake stored. */
  public long chunks() {
    return chunks;
  }

  /** Their bytes. */
  public long bytes() {
    return bytes;
  }

  private void pin() throws IOException {
    ByteBuffer payload = ByteBuffer.allocate(8 + plan.length);
    payload.putLong(clock.millis()).put(plan);
    // Two intakes of one plan (two pushes of an image at once) share the root: each pin adds to
    // what is pinned there, never replaces it, or gc could take what the other received.
    synchronized (PINS) {
      Root now = store.root(root);
      if (now != null) {
        received.or(now.chunks());
      }
      session.commit(
          List.of(new RootChange.Put(new Root(root, 0, payload.array(), received.clone()))));
    }
    session = store.session();
    unpinned = 0;
  }

  /** Pins what arrived since the last pin. */
  @Override
  public void close() throws IOException {
    try {
      if (unpinned > 0) {
        pin();
      }
    } finally {
      session.close();
    }
  }

  /** The plan pinned under {@code id}; {@link NotFoundException} if none is. */
  public static TransferPlan offered(ChunkStore store, Digest id) throws IOException {
    Root r = store.root(rootName(id));
    if (r == null) {
      throw new NotFoundException("transfer plan " + id + " is not known here: offer it first");
    }
    byte[] p = r.payload();
    return TransferPlan.decode(new ByteArrayInputStream(p, 8, p.length - 8), "transfer plan " + id);
  }

  /**
   * Unpins every transfer nothing has added to for {@code idle} (an offer never followed up, a pull
   * given up on), so that gc can reclaim what they received; returns how many.
   */
  public static int dropIdle(ChunkStore store, Duration idle, Clock clock) throws IOException {
    long before = clock.millis() - idle.toMillis();
    List<RootChange> drop = new ArrayList<>();
    for (Root r : store.roots(PREFIX)) {
      if (r.payload().length < 8 || ByteBuffer.wrap(r.payload()).getLong() < before) {
        drop.add(new RootChange.Remove(r.name()));
      }
    }
    if (!drop.isEmpty()) {
      try (WriteSession s = store.session()) {
        s.commit(drop);
      }
    }
    return drop.size();
  }

  /** Unpins plan {@code id}'s chunks: its layers now hold those they use. */
  public static void release(ChunkStore store, Digest id) throws IOException {
    if (store.root(rootName(id)) == null) {
      return;
    }
    try (WriteSession s = store.session()) {
      s.commit(List.of(new RootChange.Remove(rootName(id))));
    }
  }
}
