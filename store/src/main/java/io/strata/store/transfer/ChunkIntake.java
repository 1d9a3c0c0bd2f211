package io.strata.store.transfer;

import io.strata.store.compress.Codec;
import io.strata.store.digest.Digest;
import io.strata.store.engine.ChunkStore;
import io.strata.store.engine.ObjectWriter;
import io.strata.store.engine.Recipe;
import io.strata.store.engine.RecipeInputStream;
import io.strata.store.engine.WriteSession;
import io.strata.store.error.NotFoundException;
import io.strata.store.ref.Root;
import io.strata.store.ref.RootChange;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import org.roaringbitmap.RoaringBitmap;

/**
 * The receiving end of a transfer: stores each verified chunk and keeps every chunk that arrived
 * pinned under the root {@code xfer/<plan id>}, committed every {@value #PIN_EVERY_BYTES} bytes and
 * at the end of every batch, so that gc leaves them alone and a transfer cut short resumes without
 * fetching them again. The plan itself is stored once, as an object the root also pins, so a plan
 * offered in one request can be applied in another; the root's payload is the time of its last pin
 * (u64 milliseconds) and the plan's recipe. Each pin only adds chunks to the root (a small update,
 * never a rewrite), so two transfers of one plan at once never unpin each other's chunks. {@link
 * #release} removes the root once the layers hold the chunks; {@link #dropIdle} those of transfers
 * given up on.
 */
public final class ChunkIntake implements Closeable {
  public static final String PREFIX = "xfer/";
  private static final long PIN_EVERY_BYTES = 32L << 20;

  private final ChunkStore store;
  private final Clock clock;
  private final String root;
  private final byte[] planRecipe;
  private final RoaringBitmap unpinnedIds = new RoaringBitmap();
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
    this(store, plan.encode(), clock);
  }

  /**
   * Starts (or resumes) receiving the chunks {@code encoded} describes (a plan, or any other
   * description of what is coming, such as a registry pull's chunk indexes): the root is named by
   * its SHA-256 and pins it as an object.
   */
  public ChunkIntake(ChunkStore store, byte[] encoded, Clock clock) throws IOException {
    this.store = store;
    this.clock = clock;
    this.root = rootName(Digest.sha256(encoded, 0, encoded.length));
    this.session = store.session();
    try {
      ObjectWriter w = session.newObject();
      w.write(encoded, 0, encoded.length);
      Recipe r = w.finish().recipe();
      this.planRecipe = r.encode(0).array();
      unpinnedIds.or(r.chunkSet());
      pin();
    } catch (IOException | RuntimeException e) {
      session.close();
      throw e;
    }
  }

  /** The root that pins the chunks of plan {@code id}. */
  public static String rootName(Digest id) {
    return PREFIX + id.hex();
  }

  /**
   * Also pins the chunks of the plan the store holds already, so that gc cannot take one of them
   * (left by an image removed a moment ago) between the moment they were found present and the
   * moment the layers are rebuilt.
   */
  public void pinPresent(Collection<Digest> digests) throws IOException {
    for (Digest d : digests) {
      int id = store.idOf(d);
      if (id >= 0) {
        unpinnedIds.add(id);
      }
    }
    pin();
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
    unpinnedIds.add(s.id());
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
    ByteBuffer payload = ByteBuffer.allocate(8 + planRecipe.length);
    payload.putLong(clock.millis()).put(planRecipe);
    WriteSession s = session;
    session = store.session();
    try {
      s.commit(
          List.of(
              new RootChange.Update(
                  root, 0, payload.array(), unpinnedIds.clone(), new RoaringBitmap())));
    } finally {
      s.close();
    }
    unpinnedIds.clear();
    unpinned = 0;
  }

  /** Pins what arrived since the last pin. */
  @Override
  public void close() throws IOException {
    try {
      if (unpinned > 0 || !unpinnedIds.isEmpty()) {
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
    ByteBuffer p = ByteBuffer.wrap(r.payload());
    p.position(8);
    Recipe recipe = Recipe.decode(p.slice(), "transfer plan " + id);
    try (InputStream in =
        new RecipeInputStream(store, recipe, 0, recipe.size(), "transfer plan " + id)) {
      return TransferPlan.decode(in, "transfer plan " + id);
    }
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
