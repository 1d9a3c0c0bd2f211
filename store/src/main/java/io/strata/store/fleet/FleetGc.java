package io.strata.store.fleet;

import io.strata.store.digest.Digest;
import io.strata.store.engine.ChunkAlias;
import io.strata.store.engine.ChunkStore;
import io.strata.store.engine.GcResult;
import io.strata.store.error.ConflictException;
import io.strata.store.error.InvalidArgumentException;
import io.strata.store.error.NotFoundException;
import io.strata.store.image.CataloguedImage;
import io.strata.store.index.Locations;
import io.strata.store.remote.ObjectStore;
import io.strata.store.remote.SharedStore;
import io.strata.store.transfer.TransferPlan;
import java.io.ByteArrayInputStream;
import java.io.Closeable;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.roaringbitmap.RoaringBitmap;

/**
 * gc across a fleet sharing one bucket, in two phases with the nodes' answers in between, as
 * restic's prune keeps what any snapshot still needs; why it is safe is in docs/SCALEOUT.md.
 *
 * <p>Every node is a member: it keeps a heartbeat ({@code locks/nodes/<node>}), publishes its live
 * set ({@code nodes/<node>.live}: every chunk its roots and writes in progress reference) when it
 * changed, and when the fleet's gc condemns chunks ({@code gc/condemned}) it stops deduplicating
 * against them and answers with a live set computed after that ({@link
 * ChunkStore#condemnAndCollectLive}), so a chunk it comes to need again is in its answer, or stored
 * anew. The node that runs {@code strata gc} coordinates under the exclusive lock ({@code
 * locks/gc}, created with {@code If-None-Match: *}): it condemns the bucket's chunks that no live
 * set and no catalogued image names, waits for every node that ever joined to answer, deletes the
 * packs whose chunks are all still unneeded (their index segments first), records them in {@code
 * gc/done/<generation>} so that every node forgets them, and releases the lock. A node that does
 * not answer (stopped, unreachable) holds the deletion back: the condemned set stays, and the next
 * gc goes on from it.
 *
 * <p>Chunks two nodes stored at once (each before it saw the other's pack) are aliased: the
 * coordinator picks one canonical record per digest ({@link AliasPlan}), repacks packs left mostly
 * dead ({@link RepackPlan}) and publishes both moves as the generation's alias map ({@code
 * gc/aliases/<generation>}, before the condemned set). A node applies every alias map and
 * checkpoints its index before it answers, so the emptied packs are deleted like the others,
 * without any root being rewritten.
 */
public final class FleetGc implements Closeable {
  private static final System.Logger LOG = System.getLogger(FleetGc.class.getName());
  static final String NODE_LOCKS = "locks/nodes/";
  static final String GC_LOCK = "locks/gc";
  static final String LIVE = "nodes/";
  static final String CONDEMNED = "gc/condemned";
  static final String DONE = SharedStore.GC_DONE;
  static final String ALIASES = "gc/aliases/";
  static final String FORGOTTEN = ".forgotten";

  /** A gc lock older than this was left by a coordinator that died: it may be taken over. */
  static final long STALE_MILLIS = 5 * 60_000;

  private static final long HEARTBEAT_MILLIS = 30_000;
  private static final long ANSWER_WAIT_MILLIS = 60_000;
  private static final long PUBLISH_WAIT_MILLIS = 10 * 60_000;

  private final ChunkStore chunks;
  private final SharedStore shared;
  private final ObjectStore objects;
  private final String node;
  private final ScheduledExecutorService member;
  private final Set<Long> applied = new HashSet<>();
  private final Set<Long> appliedAliases = new HashSet<>();
  // The chunks each pack lost to an alias map, which every node applies before it answers: such a
  // pack may go although its segment lists them.
  private final Map<Integer, RoaringBitmap> movedOut = new HashMap<>();

  // Set by delete(): a pack this round moved chunks out of stayed only for chunks condemned by the
  // plan that a node's answer named live (written after the live set the plan read).
  private boolean revivedKeptAPack;
  // Whether this process runs a gc now: a lock in this node's name while none runs is left over
  private final java.util.concurrent.atomic.AtomicBoolean collecting =
      new java.util.concurrent.atomic.AtomicBoolean();
  private long answered; // the condemned generation this node took in
  private long lastHeartbeat;
  private volatile boolean rootsChanged = true;

  private FleetGc(ChunkStore chunks) {
    this.chunks = chunks;
    this.shared = chunks.shared();
    this.objects = shared.objects();
    this.node = shared.node();
    this.member =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "strata-fleet-gc");
              t.setDaemon(true);
              return t;
            });
  }

  /** Joins the fleet's gc: {@code chunks.gc()} coordinates it from now on. */
  public static FleetGc join(ChunkStore chunks) throws IOException {
    FleetGc f = new FleetGc(chunks);
    byte[] tombstone = f.objects.get(LIVE + f.node + FORGOTTEN);
    if (tombstone != null) {
      f.close();
      throw new ConflictException(
          "this server is node "
              + f.node
              + " of "
              + f.objects.location()
              + ", which the fleet forgot ("
              + new String(tombstone, StandardCharsets.UTF_8).strip()
              + "): chunks only it used may be gone from the bucket, so its data root is not"
              + " trusted; start it on a new data root");
    }
    chunks.onRootChanges(changes -> f.rootsChanged = true);
    f.tick();
    chunks.fleetCollector(f::collect);
    f.member.scheduleWithFixedDelay(f::tickLogged, 2, 2, TimeUnit.SECONDS);
    return f;
  }

  private void tickLogged() {
    try {
      tick();
    } catch (IOException | RuntimeException e) {
      LOG.log(
          System.Logger.Level.WARNING,
          "fleet gc: a member round on {0} failed, retrying in 2 s: {1}",
          objects.describe(),
          e.getMessage());
    }
  }

  /** A member's round: heartbeat, forget deleted packs, answer a condemned set, publish. */
  private synchronized void tick() throws IOException {
    long now = System.currentTimeMillis();
    if (now - lastHeartbeat >= HEARTBEAT_MILLIS) {
      objects.put(NODE_LOCKS + node, Long.toString(now).getBytes(StandardCharsets.US_ASCII));
      lastHeartbeat = now;
    }
    applyAliases(0);
    applyDone();
    byte[] b = objects.get(CONDEMNED);
    LiveSet condemned = b == null ? null : LiveSet.decode(b, LiveSet.CONDEMNED, CONDEMNED);
    if (condemned != null && condemned.generation() > answered) {
      answer(condemned);
    } else if (rootsChanged) {
      rootsChanged = false;
      RoaringBitmap live = chunks.condemnAndCollectLive(condemned == null ? null : condemned.ids());
      publishLive(live);
    }
  }

  private void answer(LiveSet condemned) throws IOException {
    // The generation's aliases are durable here before the answer that lets their duplicates go.
    applyAliases(condemned.generation());
    rootsChanged = false;
    RoaringBitmap live = chunks.condemnAndCollectLive(condemned.ids());
    answered = condemned.generation();
    publishLive(live);
    LOG.log(
        System.Logger.Level.INFO,
        "fleet gc {0}: {1} chunks condemned; answered with {2} live",
        condemned.generation(),
        condemned.ids().getLongCardinality(),
        live.getLongCardinality());
  }

  private void publishLive(RoaringBitmap live) throws IOException {
    objects.put(
        LIVE + node + ".live",
        new LiveSet(answered, System.currentTimeMillis(), live).encode(LiveSet.LIVE));
  }

  /**
   * Applies the alias maps this node has not applied yet, in generation order ({@code mustHave}, if
   * not 0, is read even if a listing does not show it yet): the index places each duplicate at its
   * canonical copy and is checkpointed before this returns. The bucket's segments are read first,
   * so that a canonical copy's pack is known here.
   */
  private void applyAliases(long mustHave) throws IOException {
    Set<Long> gens = new TreeSet<>();
    objects.list(ALIASES, (k, size) -> gens.add(Long.parseLong(k.substring(ALIASES.length()))));
    if (mustHave != 0) {
      gens.add(mustHave);
    }
    gens.removeAll(appliedAliases);
    if (gens.isEmpty()) {
      return;
    }
    shared.refresh();
    for (long gen : gens) {
      String key = ALIASES + gen;
      byte[] b = objects.get(key);
      if (b == null) {
        continue; // none for this generation
      }
      AliasMap map = AliasMap.decode(b, key);
      int moved = chunks.applyAliases(map.aliases());
      for (var a : map.aliases()) {
        movedOut
            .computeIfAbsent(Locations.packId(a.from()), p -> new RoaringBitmap())
            .add(a.chunkId());
      }
      appliedAliases.add(gen);
      if (moved > 0) {
        LOG.log(
            System.Logger.Level.INFO,
            "fleet gc {0}: {1} duplicate chunks now read at their canonical copies",
            gen,
            moved);
      }
    }
  }

  /** Forgets the packs every finished gc deleted that this node has not forgotten yet. */
  private void applyDone() throws IOException {
    List<String> keys = new ArrayList<>();
    objects.list(DONE, (k, size) -> keys.add(k));
    for (String k : keys) {
      long gen = Long.parseLong(k.substring(DONE.length()));
      if (applied.contains(gen)) {
        continue;
      }
      byte[] b = objects.get(k);
      if (b == null) {
        continue;
      }
      Set<Integer> packs = new TreeSet<>();
      for (String line : new String(b, StandardCharsets.US_ASCII).split("\n")) {
        if (!line.isBlank() && !line.startsWith("#")) {
          packs.add(Integer.parseUnsignedInt(line.trim(), 16));
        }
      }
      chunks.forgetPacks(packs);
      applied.add(gen);
      if (gen == answered) {
        chunks.condemnAndCollectLive(null);
      }
    }
  }

  /**
   * Removes {@code gone} from the fleet ({@code strata gc --forget-node}): their heartbeats and
   * live sets are deleted, so gc no longer waits for their answers nor keeps what only they used,
   * and a tombstone stops each from joining again on its old data root (whose roots may name chunks
   * gc then deletes). Refused, with nothing changed, for this node, for a name that is not a
   * member, and for a node whose heartbeat is fresher than the stale timeout: it may be running.
   */
  public synchronized void forget(List<String> gone) throws IOException {
    List<String> members = members();
    long now = System.currentTimeMillis();
    for (String n : gone) {
      if (n.equals(node)) {
        throw new InvalidArgumentException(
            "gc --forget-node " + n + ": that is this server; nothing was forgotten");
      }
      if (!members.contains(n)) {
        throw new NotFoundException(
            "gc --forget-node "
                + n
                + ": no such node in the fleet of "
                + objects.location()
                + " (members: "
                + String.join(", ", members)
                + "); nothing was forgotten");
      }
      byte[] beat = objects.get(NODE_LOCKS + n);
      long last = beat == null ? 0 : parseMillis(beat);
      if (now - last < STALE_MILLIS) {
        throw new ConflictException(
            "gc --forget-node "
                + n
                + ": it sent a heartbeat "
                + (now - last) / 1000
                + " s ago, so it may be running; stop it, or wait until its heartbeat is "
                + STALE_MILLIS / 60_000
                + " minutes old; nothing was forgotten");
      }
    }
    for (String n : gone) {
      // The tombstone first: a node that comes back between these deletes still finds it.
      objects.put(
          LIVE + n + FORGOTTEN,
          ("forgotten by node " + node + " at " + java.time.Instant.ofEpochMilli(now) + "\n")
              .getBytes(StandardCharsets.UTF_8));
      objects.delete(NODE_LOCKS + n);
      objects.delete(LIVE + n + ".live");
      LOG.log(System.Logger.Level.WARNING, "fleet gc: node {0} forgotten", n);
    }
  }

  /** The nodes {@link #forget} left a tombstone for. */
  private Set<String> forgottenNodes() throws IOException {
    Set<String> out = new HashSet<>();
    objects.list(
        LIVE,
        (k, size) -> {
          if (k.endsWith(FORGOTTEN)) {
            out.add(k.substring(LIVE.length(), k.length() - FORGOTTEN.length()));
          }
        });
    return out;
  }

  /**
   * Deletes the packs forgotten nodes left without an index segment. Only when some node was
   * forgotten: finding orphans lists every pack and segment in the bucket, too much for each gc.
   */
  private long deleteOrphanPacks() throws IOException {
    Set<String> forgotten = forgottenNodes();
    return forgotten.isEmpty() ? 0 : shared.deleteOrphanPacks(forgotten::contains);
  }

  private static long parseMillis(byte[] heartbeat) {
    try {
      return Long.parseLong(new String(heartbeat, StandardCharsets.US_ASCII).strip());
    } catch (NumberFormatException e) {
      return 0; // unreadable: as old as can be
    }
  }

  // ---- the coordinator ----

  /**
   * {@code strata gc} on a shared store: one round, and a second when the first left a pack it had
   * emptied only for chunks a node wrote after its last published live set ({@link #delete}).
   */
  GcResult collect() throws IOException {
    if (!collecting.compareAndSet(false, true)) {
      throw new ConflictException(
          "gc of " + objects.location() + " is running on this node; nothing was removed");
    }
    try {
      takeLock();
      return collectLocked();
    } finally {
      collecting.set(false);
    }
  }

  private GcResult collectLocked() throws IOException {
    Throwable failed = null;
    try {
      synchronized (this) {
        revivedKeptAPack = false;
        GcResult r = round();
        if (revivedKeptAPack) {
          // The nodes' answers are this round's, fresh: the next plan moves those chunks out too,
          // so that one gc reclaims what the imports stored twice (not the gc after it).
          LOG.log(
              System.Logger.Level.INFO,
              "fleet gc: a pack it emptied stayed for chunks a node wrote after its live set;"
                  + " a second round moves them");
          r = r.plus(round());
        }
        return r;
      }
    } catch (IOException | RuntimeException e) {
      failed = e;
      throw e;
    } finally {
      releaseLock(failed);
    }
  }

  /**
   * Deletes the gc lock after a gc that failed with {@code failed} (null: it did not). A lock that
   * cannot be deleted (the bucket unreachable) never hides why the gc failed: it is added to that
   * failure, or after a gc that did its work only logged; this node takes its own lock back at its
   * next gc, another node once it is stale.
   */
  private void releaseLock(Throwable failed) {
    try {
      objects.delete(GC_LOCK);
    } catch (IOException | RuntimeException e) {
      if (failed != null) {
        failed.addSuppressed(e);
      } else {
        LOG.log(
            System.Logger.Level.WARNING,
            "fleet gc: done, but its lock {0} is left ({1}); this node takes it back at its next"
                + " gc, another node after {2} minutes",
            GC_LOCK,
            e.getMessage(),
            STALE_MILLIS / 60_000);
      }
    }
  }

  /** One gc round: plan (aliases, repacking, condemned set), the fleet's answers, deletion. */
  private GcResult round() throws IOException {
    shared.refresh();
    // Every finished gc first: planned from an index that still held the packs another node's gc
    // deleted a moment ago, this one deleted them again and reported their bytes as its own.
    applyAliases(0);
    applyDone();
    byte[] b = objects.get(CONDEMNED);
    LiveSet condemned;
    long duplicates = 0;
    long repacked = 0;
    if (b != null) {
      condemned = LiveSet.decode(b, LiveSet.CONDEMNED, CONDEMNED);
      LOG.log(System.Logger.Level.INFO, "fleet gc {0}: resuming", condemned.generation());
    } else {
      RoaringBitmap live = liveInFleet();
      long gen = Math.max(System.currentTimeMillis(), answered + 1);
      List<ChunkAlias> aliases =
          new ArrayList<>(AliasPlan.plan(chunks, shared.lengths().keySet(), live));
      duplicates = aliases.size();
      List<ChunkAlias> moves = repack(aliases, live);
      repacked = moves.size();
      aliases.addAll(moves);
      condemned = condemn(gen, live);
      if (condemned.ids().isEmpty() && aliases.isEmpty() && !emptiedByAliases()) {
        return new GcResult(0, deleteOrphanPacks(), true, 0, 0, 0);
      }
      if (!aliases.isEmpty()) {
        // Before the condemned set: a node answering the generation finds its aliases.
        objects.put(ALIASES + gen, new AliasMap(gen, aliases).encode());
        LOG.log(
            System.Logger.Level.INFO,
            "fleet gc {0}: {1} chunks aliased to a canonical copy or a repacked one",
            gen,
            aliases.size());
      }
      objects.put(CONDEMNED, condemned.encode(LiveSet.CONDEMNED));
    }
    answer(condemned);
    awaitAnswers(condemned.generation());
    GcResult r = delete(condemned, duplicates, repacked);
    // Each figure on its own: the bytes are whole packs, which duplicates and repacking emptied as
    // well as unreferenced chunks, so "removed 0 chunks, reclaimed 4 MiB" read as impossible.
    LOG.log(
        System.Logger.Level.INFO,
        "fleet gc {0}: removed {1} unreferenced chunks, dropped {2} duplicate copies, repacked {3}"
            + " chunks, deleted {4} packs: reclaimed {5} bytes",
        // Strings: MessageFormat writes numbers as "3,626,128", which is not what the CLI prints
        String.valueOf(condemned.generation()),
        String.valueOf(r.chunksRemoved()),
        String.valueOf(r.duplicatesDropped()),
        String.valueOf(r.chunksRepacked()),
        String.valueOf(r.packsDeleted()),
        String.valueOf(r.bytesReclaimed()));
    return r;
  }

  /** Keeps the gc lock fresh while the gc runs, so no node takes it over as stale. */
  private void refreshLock() throws IOException {
    objects.put(
        GC_LOCK, (node + " " + System.currentTimeMillis()).getBytes(StandardCharsets.US_ASCII));
  }

  private void takeLock() throws IOException {
    byte[] mine = (node + " " + System.currentTimeMillis()).getBytes(StandardCharsets.US_ASCII);
    if (objects.create(GC_LOCK, mine)) {
      return;
    }
    byte[] held = objects.get(GC_LOCK);
    String[] who =
        held == null ? new String[0] : new String(held, StandardCharsets.US_ASCII).split(" ");
    long since = who.length == 2 ? Long.parseLong(who[1]) : 0;
    // This node's own lock while it runs no gc (see collecting): left by a gc killed with the
    // process, or one whose lock could not be deleted. Nobody else runs under its name.
    boolean own = who.length > 0 && who[0].equals(node);
    if (own || System.currentTimeMillis() - since > STALE_MILLIS) {
      LOG.log(
          System.Logger.Level.WARNING,
          "fleet gc: taking over the {0} lock of {1}",
          own ? "left" : "stale",
          who.length > 0 ? who[0] : "?");
      objects.delete(GC_LOCK);
      if (objects.create(GC_LOCK, mine)) {
        return;
      }
    }
    long age = Math.max(0, (System.currentTimeMillis() - since) / 1000);
    throw new ConflictException(
        "gc of "
            + objects.location()
            + " is running on node "
            + (who.length > 0 ? who[0] : "?")
            + " (its lock was refreshed "
            + age
            + " s ago; one not refreshed for "
            + STALE_MILLIS / 60_000
            + " minutes is taken over); nothing was removed");
  }

  /**
   * Copies the needed records of the bucket's mostly dead packs (once {@code aliases} apply) to a
   * new pack of this node, waits until it is in the bucket with its segment, and returns the
   * aliases that move the chunks there: then nothing is read from the old packs, and they go.
   */
  private List<ChunkAlias> repack(List<ChunkAlias> aliases, RoaringBitmap live) throws IOException {
    List<RepackPlan.Move> moves = RepackPlan.plan(chunks, shared.lengths(), aliases, live);
    if (moves.isEmpty()) {
      return List.of();
    }
    long[] from = new long[moves.size()];
    for (int i = 0; i < from.length; i++) {
      from[i] = moves.get(i).from();
    }
    long[] to = chunks.copyRecords(from);
    // The copies' pack and segment must be in the bucket before any node is told to read there.
    chunks.publishToBucket(PUBLISH_WAIT_MILLIS);
    refreshLock();
    List<ChunkAlias> out = new ArrayList<>();
    Map<Integer, io.strata.store.digest.Digest> digests = new HashMap<>();
    for (ChunkAlias a : aliases) {
      digests.put(a.chunkId(), a.digest());
    }
    for (int i = 0; i < from.length; i++) {
      for (int id : moves.get(i).ids()) {
        var d = digests.containsKey(id) ? digests.get(id) : chunks.digest(id);
        out.add(new ChunkAlias(id, from[i], to[i], d));
      }
    }
    LOG.log(
        System.Logger.Level.INFO,
        "fleet gc: repacked {0} records of mostly dead packs",
        from.length);
    return out;
  }

  /** What some node's live set, this node's roots or the catalogue names. */
  private RoaringBitmap liveInFleet() throws IOException {
    RoaringBitmap live = chunks.condemnAndCollectLive(null);
    for (String n : members()) {
      if (!n.equals(node)) {
        LiveSet s = liveSet(n);
        if (s != null) {
          live.or(s.ids());
        }
      }
    }
    live.or(catalogued());
    return live;
  }

  /** Phase one: the bucket's chunks that no live set and no catalogued image names. */
  private LiveSet condemn(long gen, RoaringBitmap live) {
    RoaringBitmap all = chunks.chunksIn(shared.lengths().keySet());
    all.andNot(live);
    LOG.log(
        System.Logger.Level.INFO,
        "fleet gc {0}: condemning {1} of the bucket's chunks",
        gen,
        all.getLongCardinality());
    return new LiveSet(gen, System.currentTimeMillis(), all);
  }

  private List<String> members() throws IOException {
    List<String> out = new ArrayList<>();
    objects.list(NODE_LOCKS, (k, size) -> out.add(k.substring(NODE_LOCKS.length())));
    return out;
  }

  private LiveSet liveSet(String n) throws IOException {
    String key = LIVE + n + ".live";
    byte[] b = objects.get(key);
    return b == null ? null : LiveSet.decode(b, LiveSet.LIVE, key);
  }

  /** The keys of the plans the catalogue's tags name. */
  private Set<String> taggedPlans() throws IOException {
    Set<String> keys = new HashSet<>();
    List<String> tagKeys = new ArrayList<>();
    objects.list(Catalogue.TAGS, (k, size) -> tagKeys.add(k));
    for (String k : tagKeys) {
      byte[] b = objects.get(k);
      if (b != null) {
        keys.add(Catalogue.planKey(CataloguedImage.parse(b, k)));
      }
    }
    return keys;
  }

  /** The chunks of every plan a tag of the catalogue names. */
  private RoaringBitmap catalogued() throws IOException {
    RoaringBitmap out = new RoaringBitmap();
    for (String key : taggedPlans()) {
      byte[] b = objects.get(key);
      if (b == null) {
        continue;
      }
      TransferPlan plan = TransferPlan.decode(new ByteArrayInputStream(b), key);
      for (Digest d : plan.chunks().keySet()) {
        for (int c : chunks.idsOf(d)) {
          out.add(c);
        }
      }
    }
    return out;
  }

  /**
   * Whether every chunk the segment of pack {@code p} lists is doomed or was moved out by an alias
   * map: whatever this node's index says, no node can place a needed chunk there then (a node that
   * indexed the pack from its segment and took in every alias map since).
   */
  private boolean nothingElseReadsFrom(int p, RoaringBitmap doomed) throws IOException {
    int[] listed = shared.segmentChunkIds(p);
    if (listed == null) {
      return true; // a deletion that stopped after the segment: no node adopts the pack any more
    }
    RoaringBitmap moved = movedOut.getOrDefault(p, new RoaringBitmap());
    for (int id : listed) {
      if (!doomed.contains(id) && !moved.contains(id)) {
        LOG.log(
            System.Logger.Level.INFO,
            "fleet gc: pack {0} stays: its segment lists chunk {1}, still needed",
            String.format("%08x", p),
            id);
        return false;
      }
    }
    return true;
  }

  /** Whether a pack with a segment lost every chunk to aliasing (a gc that stopped short). */
  private boolean emptiedByAliases() {
    for (int p : shared.lengths().keySet()) {
      if (movedOut.containsKey(p) && chunks.chunksIn(Set.of(p)).isEmpty()) {
        return true;
      }
    }
    return false;
  }

  /** Waits until every node that ever joined answered generation {@code gen}. */
  private void awaitAnswers(long gen) throws IOException {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(ANSWER_WAIT_MILLIS);
    while (true) {
      List<String> silent = new ArrayList<>();
      for (String n : members()) {
        LiveSet s = liveSet(n);
        if (s == null || s.generation() < gen) {
          silent.add(n);
        }
      }
      if (silent.isEmpty()) {
        return;
      }
      if (System.nanoTime() > deadline) {
        throw new ConflictException(
            "gc of "
                + objects.location()
                + ": nodes "
                + silent
                + " have not answered (stopped or unreachable); nothing was removed, and the"
                + " next gc goes on once they are back (for a node gone for good: strata gc"
                + " --forget-node NODE)");
      }
      try {
        Thread.sleep(500);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("interrupted while waiting for the fleet's answers", e);
      }
      refreshLock();
    }
  }

  /** Phase two: deletes the packs whose chunks all stayed unneeded, and says so to the fleet. */
  private GcResult delete(LiveSet condemned, long duplicates, long repacked) throws IOException {
    RoaringBitmap doomed = condemned.ids().clone();
    for (String n : members()) {
      LiveSet s = liveSet(n);
      if (s != null) {
        doomed.andNot(s.ids());
      }
    }
    doomed.andNot(catalogued());
    Map<Integer, Long> lengths = shared.lengths();
    Set<Integer> packs = new TreeSet<>();
    long chunksRemoved = 0;
    long bytes = 0;
    for (var e : lengths.entrySet()) {
      RoaringBitmap in = chunks.chunksIn(Set.of(e.getKey()));
      // A pack aliasing emptied: every node answered, so every node reads its chunks elsewhere.
      boolean emptied = in.isEmpty() && movedOut.containsKey(e.getKey());
      RoaringBitmap kept = RoaringBitmap.andNot(in, doomed);
      if ((emptied || !in.isEmpty() && kept.isEmpty())
          && nothingElseReadsFrom(e.getKey(), doomed)) {
        packs.add(e.getKey());
        chunksRemoved += in.getLongCardinality();
        bytes += e.getValue();
      } else if (movedOut.containsKey(e.getKey())
          && !kept.isEmpty()
          && RoaringBitmap.andNot(kept, condemned.ids()).isEmpty()) {
        revivedKeptAPack = true;
      }
    }
    // Never empty: some S3 servers (radosgw 16 through the JDK's HTTP client) refuse empty PUTs.
    StringBuilder done =
        new StringBuilder("# packs deleted by fleet gc " + condemned.generation() + "\n");
    for (int p : packs) {
      refreshLock();
      // The segment first: a node listing the bucket meanwhile must not adopt a pack going away.
      objects.delete(String.format("index/%08x.idx", p));
      objects.delete(String.format("packs/%08x.pack", p));
      done.append(String.format("%08x%n", p));
    }
    objects.put(DONE + condemned.generation(), done.toString().getBytes(StandardCharsets.US_ASCII));
    objects.delete(CONDEMNED);
    markReclaimedPlans(chunks.chunksIn(packs), condemned.generation());
    // Uploads a forgotten node left half done (a pack, no segment): it will not come back to
    // finish them, and no node indexes them.
    bytes += deleteOrphanPacks();
    applyDone();
    chunks.condemnAndCollectLive(null);
    rootsChanged = true;
    return new GcResult(chunksRemoved, bytes, true, duplicates, repacked, packs.size());
  }

  /**
   * Marks the catalogue's plans of untagged images that lost chunks to this gc's deletion ({@code
   * gone}: the chunks of the deleted packs, as this node's index still has them), so that a node
   * asked for such an image says they were reclaimed at once, rather than wait for chunks "not
   * uploaded yet". Only a message depends on it: a failure is logged, the gc stands.
   */
  private void markReclaimedPlans(RoaringBitmap gone, long generation) {
    if (gone.isEmpty()) {
      return;
    }
    try {
      Set<String> tagged = taggedPlans();
      List<String> keys = new ArrayList<>();
      objects.list(Catalogue.IMAGES, (k, size) -> keys.add(k));
      // One listing of the marks, not a request per plan to ask whether it has one.
      Set<String> marked = new java.util.HashSet<>();
      objects.list(
          Catalogue.RECLAIMED, (k, size) -> marked.add(k.substring(Catalogue.RECLAIMED.length())));
      for (String key : keys) {
        String name = key.substring(Catalogue.IMAGES.length(), key.length() - ".plan".length());
        if (tagged.contains(key) || marked.contains(name)) {
          continue;
        }
        byte[] b = objects.get(key);
        if (b != null && losesAChunk(TransferPlan.decode(new ByteArrayInputStream(b), key), gone)) {
          objects.put(
              Catalogue.RECLAIMED + name,
              ("fleet gc " + generation + "\n").getBytes(StandardCharsets.US_ASCII));
        }
      }
    } catch (IOException | RuntimeException e) {
      LOG.log(
          System.Logger.Level.WARNING,
          "fleet gc {0}: marking the catalogue''s plans whose chunks it reclaimed failed: {1}",
          generation,
          e.getMessage());
    }
  }

  /** Whether some chunk of {@code plan} is held only in {@code gone}. */
  private boolean losesAChunk(TransferPlan plan, RoaringBitmap gone) {
    for (Digest d : plan.chunks().keySet()) {
      int[] ids = chunks.idsOf(d);
      if (ids.length > 0 && java.util.Arrays.stream(ids).allMatch(gone::contains)) {
        return true;
      }
    }
    return false;
  }

  /**
   * Ends the member's rounds: one in progress is finished (up to 10 s) rather than interrupted,
   * since an interrupt inside FileChannel I/O has Java close the store's file under it.
   */
  @Override
  public void close() {
    member.shutdown();
    try {
      if (!member.awaitTermination(10, TimeUnit.SECONDS)) {
        member.shutdownNow();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
