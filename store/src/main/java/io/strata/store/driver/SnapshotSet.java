package io.strata.store.driver;

import io.strata.store.digest.Digest;
import io.strata.store.disk.DiskFull;
import io.strata.store.engine.ChunkAccess;
import io.strata.store.engine.WriteSession;
import io.strata.store.error.AlreadyExistsException;
import io.strata.store.error.ConflictException;
import io.strata.store.error.CorruptDataException;
import io.strata.store.error.InvalidArgumentException;
import io.strata.store.error.NotFoundException;
import io.strata.store.error.StorageFullException;
import io.strata.store.fs.FileLayout;
import io.strata.store.fs.FileSystemView;
import io.strata.store.fs.IntentLog;
import io.strata.store.fs.LoggedChanges;
import io.strata.store.fs.TreeFileSystem;
import io.strata.store.ref.Root;
import io.strata.store.ref.RootChange;
import io.strata.store.tree.CowTree;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Consumer;
import org.roaringbitmap.RoaringBitmap;

/**
 * The snapshot bookkeeping both drivers build on: containerd's snapshot semantics (prepare, view,
 * commit, remove, walk, usage, diff) over roots of the chunk store, one root per snapshot ({@code
 * snap/<key>}) holding its record and the bitmap of every chunk its tree references.
 *
 * <p>A new snapshot copies its parent's record and bitmap: the tree is shared node for node, so the
 * cost does not grow with the tree. A driver adds its model through {@link Model}: how file content
 * is laid out, and the metadata of its own (ids and generations, datasets and properties) kept in
 * each record's extension.
 */
public final class SnapshotSet {
  private static final System.Logger LOG = System.getLogger(SnapshotSet.class.getName());

  /** What a driver adds to the generic bookkeeping. */
  public interface Model {
    /** How files of {@code s} lay out their content. */
    FileLayout layout(Snapshot s);

    /** The extension of a snapshot about to be made from {@code parent} (null: none). */
    byte[] created(Snapshot proposed, Snapshot parent);

    /** The extension after a change to {@code s}'s files (e.g. a new generation). */
    default byte[] changed(Snapshot s) {
      return s.extension();
    }

    /**
     * Refuses a change to {@code s}'s files before it is made durable (a read-only dataset); the
     * file system then rolls the change back. Called for every change, under the file system's
     * lock.
     */
    default void checkChange(Snapshot s) {}

    /** Extra reasons to refuse removing {@code s}; throws {@link ConflictException}. */
    default void checkRemove(Snapshot s, Map<String, Snapshot> all) {}
  }

  private final ChunkAccess chunks;
  private final DriverContext context;
  private final Model model;
  private final Map<String, Snapshot> snapshots = new TreeMap<>();
  private final Map<String, TreeFileSystem> open = new HashMap<>();
  private final Map<String, Object> keyLocks = new java.util.concurrent.ConcurrentHashMap<>();
  // where the intent logs of active snapshots live (null: none, every fsync commits the tree)
  private final Path intentDir;
  // active snapshots whose intent log could not be replayed: why, said at every open
  private final Map<String, String> unreplayable = new HashMap<>();

  public SnapshotSet(DriverContext context, Model model) {
    this.chunks = context.chunks();
    this.context = context;
    this.model = model;
    this.intentDir =
        context.metadataDir() == null ? null : context.metadataDir().resolve(INTENT_DIR);
    for (Root r : chunks.roots("snap/")) {
      Snapshot s = Snapshot.decode(r.payload(), r.name());
      snapshots.put(s.key(), s);
    }
  }

  /** A copy of every snapshot by key. */
  public synchronized Map<String, Snapshot> all() {
    return new TreeMap<>(snapshots);
  }

  /** Snapshot {@code key}. */
  public synchronized Snapshot get(String key) {
    Snapshot s = snapshots.get(key);
    if (s == null) {
      throw new NotFoundException("snapshot " + key + " not found");
    }
    return s;
  }

  public synchronized SnapshotInfo prepare(String key, String parent, Map<String, String> labels)
      throws IOException {
    return make(key, parent, Kind.ACTIVE, labels);
  }

  public synchronized SnapshotInfo view(String key, String parent, Map<String, String> labels)
      throws IOException {
    return make(key, parent, Kind.VIEW, labels);
  }

  /** Replaces {@code key}'s labels; its updated time becomes now. */
  public SnapshotInfo relabel(String key, Map<String, String> labels) throws IOException {
    Instant now = now();
    update(key, s -> s.withLabels(labels, now));
    return stat(key);
  }

  private Instant now() {
    long nanos = context.clock().getAsLong();
    return Instant.ofEpochSecond(
        Math.floorDiv(nanos, 1_000_000_000L), Math.floorMod(nanos, 1_000_000_000L));
  }

  private SnapshotInfo make(String key, String parent, Kind kind, Map<String, String> labels)
      throws IOException {
    checkKey(key);
    if (snapshots.containsKey(key)) {
      throw new AlreadyExistsException("snapshot " + key + " exists already");
    }
    Snapshot p = parent == null ? null : get(parent);
    if (p != null && p.kind() != Kind.COMMITTED) {
      throw new ConflictException(
          "snapshot "
              + parent
              + " is "
              + p.kind().name().toLowerCase()
              + "; only committed snapshots can be parents");
    }
    try (WriteSession session = chunks.session()) {
      Digest tree;
      RoaringBitmap refs;
      if (p == null) {
        TreeFileSystem.Formatted f =
            TreeFileSystem.format(
                chunks, context.nodeCache(), session, context.clock().getAsLong());
        tree = f.root();
        refs = f.chunks();
      } else {
        tree = p.treeRoot();
        refs = chunks.root(Snapshot.rootName(parent)).chunks().clone();
      }
      Instant now = now();
      Snapshot s = new Snapshot(key, parent, kind, now, now, labels, tree, new byte[0]);
      s = s.withExtension(model.created(s, p));
      session.commit(
          List.of(new RootChange.Put(new Root(Snapshot.rootName(key), 0, s.encode(), refs))));
      snapshots.put(key, s);
      return s.info();
    }
  }

  /**
   * Makes durable what the open file system of snapshot {@code key} (if any) holds, so the
   * snapshot's stored tree is all of it; NotFound when there is no such snapshot, Corrupt when its
   * intent log could not be replayed: its stored tree lacks what the log acknowledged, and a
   * commit, copy, diff or export of it would go on without those changes (AK4). Outside this set's
   * lock: the file system's commits take it too. The loss of changes the mount held (a full disk)
   * is the mount's to report at its next fsync, not this caller's ({@link
   * TreeFileSystem#quiesced}): the stored tree is what the mount shows since, and a commit of it
   * took the report, so the program's fsync succeeded after its writes were lost.
   */
  private void syncOpen(String key) throws IOException {
    TreeFileSystem fs;
    boolean logWaiting;
    synchronized (this) {
      fs = openFileSystem(key);
      String refused = unreplayable.get(key);
      if (refused != null) {
        throw new CorruptDataException(refused, intentLogFile(key).toString());
      }
      logWaiting = fs == null && intentDir != null && Files.exists(intentLogFile(key));
    }
    if (logWaiting) {
      // A log a start could not replay (a full disk) waits for the next open: open it now, which
      // replays it or fails saying why; the stored tree alone lacks what it acknowledged (AT2: a
      // commit after such a start made an image without those changes).
      fs = (TreeFileSystem) fs(key);
    }
    if (fs != null) {
      fs.quiesced(() -> {});
    }
  }

  /**
   * {@link #syncOpen} for a figure about the snapshot ({@link #written}), which must neither fail
   * nor take the mount's report: one whose intent log could not be replayed is measured from its
   * stored tree rather than refused, so that listings of every container ({@code strata ps}, {@code
   * system df}) go on working (AL1); the loss of changes the mount held (a full disk) stays for the
   * mount's next fsync to report, as a gc's recount leaves it ({@link TreeFileSystem#quiesced}).
   * Taken here, {@code strata info} failed with it, and failed again on a freed disk while a failed
   * layer build's snapshot stayed, and the mount's fsync that should have reported it succeeded. A
   * commit that fails now (the disk still full) leaves the stored tree to be measured.
   */
  public void syncForFigures(String key) throws IOException {
    TreeFileSystem fs;
    synchronized (this) {
      fs = openFileSystem(key);
    }
    if (fs != null) {
      try {
        fs.quiesced(() -> {});
      } catch (IOException | UncheckedIOException | StorageFullException e) {
        LOG.log(
            System.Logger.Level.DEBUG,
            "snapshot {0}: measured from its stored tree; its held changes could not be made"
                + " durable: {1}",
            key,
            e.toString());
      }
    }
  }

  /** The open file system of snapshot {@code key}, or null; NotFound when there is no such one. */
  private synchronized TreeFileSystem openFileSystem(String key) {
    get(key);
    return open.get(key);
  }

  /**
   * Turns active {@code key} into committed {@code name}, made now, with {@code labels} (null: the
   * active snapshot's).
   */
  public SnapshotInfo commit(String name, String key, Map<String, String> labels)
      throws IOException {
    checkKey(name);
    syncOpen(key);
    synchronized (this) {
      Snapshot s = get(key);
      if (s.kind() != Kind.ACTIVE) {
        throw new ConflictException(
            "snapshot "
                + key
                + " is "
                + s.kind().name().toLowerCase()
                + "; only active snapshots can be committed");
      }
      if (snapshots.containsKey(name)) {
        throw new AlreadyExistsException("snapshot " + name + " exists already");
      }
      Instant now = now();
      Snapshot c =
          new Snapshot(
              name,
              s.parent(),
              Kind.COMMITTED,
              now,
              now,
              labels == null ? s.labels() : labels,
              s.treeRoot(),
              s.extension());
      c = c.withExtension(model.created(c, s));
      Root old = chunks.root(Snapshot.rootName(key));
      List<RootChange> changes = new ArrayList<>();
      changes.add(
          new RootChange.Put(new Root(Snapshot.rootName(name), 0, c.encode(), old.chunks())));
      changes.add(new RootChange.Remove(Snapshot.rootName(key)));
      // A driver may have given an active snapshot children (zfs promote of a written clone):
      // they follow it to its committed name, in the same commit.
      List<Snapshot> children = reparentChildren(key, name, changes);
      try (WriteSession session = chunks.session()) {
        session.commit(changes);
      }
      open.remove(key);
      dropIntentLog(key);
      snapshots.remove(key);
      snapshots.put(name, c);
      for (Snapshot m : children) {
        snapshots.put(m.key(), m);
      }
      return c.info();
    }
  }

  /**
   * The children of {@code key} with {@code newParent} as their parent, their records' updates
   * added to {@code changes}: the caller commits them with its own change and then puts them in
   * {@link #snapshots}.
   */
  private List<Snapshot> reparentChildren(String key, String newParent, List<RootChange> changes) {
    List<Snapshot> children = new ArrayList<>();
    for (Snapshot o : snapshots.values()) {
      if (key.equals(o.parent())) {
        Snapshot moved = o.withParent(newParent);
        children.add(moved);
        changes.add(
            new RootChange.Update(
                Snapshot.rootName(o.key()),
                0,
                moved.encode(),
                new RoaringBitmap(),
                new RoaringBitmap()));
      }
    }
    return children;
  }

  public void remove(String key) throws IOException {
    TreeFileSystem dropped;
    synchronized (this) {
      checkRemovable(key);
      try (WriteSession session = chunks.session()) {
        session.commit(List.of(new RootChange.Remove(Snapshot.rootName(key))));
      }
      dropped = open.remove(key);
      dropIntentLog(key);
      snapshots.remove(key);
    }
    discard(dropped);
  }

  /**
   * Drops the changes the view of a removed snapshot held for its next sync, and the write session
   * they were in: left open, it kept their chunks live for every gc until a restart (an import
   * cancelled half way removes its unfinished layer so: docs/ADVERSARIAL.md, U1). Outside this
   * object's lock: a view's lock is taken before it elsewhere ({@link #recount}).
   */
  private static void discard(TreeFileSystem fs) {
    if (fs != null) {
      fs.discard();
    }
  }

  private Snapshot checkRemovable(String key) {
    Snapshot s = get(key);
    for (Snapshot o : snapshots.values()) {
      if (key.equals(o.parent())) {
        throw new ConflictException(
            "snapshot " + key + " has child " + o.key() + "; remove it first");
      }
    }
    model.checkRemove(s, all());
    return s;
  }

  /**
   * Makes {@code key} ({@link Kind#ACTIVE} or {@link Kind#VIEW}) a copy of {@code source} of any
   * kind, as {@code btrfs subvolume snapshot} copies a writable subvolume too: the source's changes
   * are made durable first, then its tree and reference set are shared. The copy's parent is the
   * source if committed, else the source's own parent (containerd's parents are committed); the
   * model sees {@code source} as the parent it was made from.
   */
  public SnapshotInfo copy(String key, String source, Kind kind, Map<String, String> labels)
      throws IOException {
    if (kind == Kind.COMMITTED) {
      throw new IllegalArgumentException("copies are active or views");
    }
    checkKey(key);
    syncOpen(source);
    synchronized (this) {
      if (snapshots.containsKey(key)) {
        throw new AlreadyExistsException("snapshot " + key + " exists already");
      }
      Snapshot src = get(source);
      RoaringBitmap refs = chunks.root(Snapshot.rootName(source)).chunks().clone();
      Instant now = now();
      String parent = src.kind() == Kind.COMMITTED ? source : src.parent();
      Snapshot s = new Snapshot(key, parent, kind, now, now, labels, src.treeRoot(), new byte[0]);
      s = s.withExtension(model.created(s, src));
      try (WriteSession session = chunks.session()) {
        session.commit(
            List.of(new RootChange.Put(new Root(Snapshot.rootName(key), 0, s.encode(), refs))));
      }
      snapshots.put(key, s);
      return s.info();
    }
  }

  /**
   * Replaces active {@code key}'s tree by {@code from}'s, as {@code zfs rollback} does: one commit
   * of its record and reference set. An open file system of {@code key} is reloaded on the new
   * tree, so no holder writes the old one back.
   */
  public void resetTree(String key, String from) throws IOException {
    TreeFileSystem fs;
    synchronized (this) {
      Snapshot s = get(key);
      get(from);
      if (s.kind() != Kind.ACTIVE) {
        throw new ConflictException(
            "snapshot "
                + key
                + " is "
                + s.kind().name().toLowerCase()
                + "; only active ones roll back");
      }
      fs = open.get(key);
    }
    Reset reset =
        () -> {
          synchronized (keyLock(key)) {
            synchronized (this) {
              Snapshot s = get(key);
              Snapshot f = get(from);
              RoaringBitmap current = chunks.root(Snapshot.rootName(key)).chunks();
              RoaringBitmap target = chunks.root(Snapshot.rootName(from)).chunks();
              Snapshot next = s.withTree(f.treeRoot());
              try (WriteSession session = chunks.session()) {
                session.commit(
                    List.of(
                        new RootChange.Update(
                            Snapshot.rootName(key),
                            0,
                            next.encode(),
                            RoaringBitmap.andNot(target, current),
                            RoaringBitmap.andNot(current, target))));
              }
              snapshots.put(key, next);
              if (fs != null) {
                fs.reload(f.treeRoot());
              } else {
                // what a log held is rolled back with the rest, as zfs rollback drops the ZIL
                dropIntentLog(key);
              }
            }
          }
        };
    if (fs != null) {
      fs.quiesced(reset::run);
    } else {
      reset.run();
    }
  }

  private interface Reset {
    void run() throws IOException;
  }

  /**
   * Removes {@code key} even while other snapshots have it as parent, as {@code btrfs subvolume
   * delete} deletes a subvolume that has snapshots: each keeps its whole tree and takes {@code
   * key}'s parent as its own, in the same commit. The model's own refusals still apply.
   */
  public void removeKeepingChildren(String key) throws IOException {
    discard(removingKeepingChildren(key));
  }

  private synchronized TreeFileSystem removingKeepingChildren(String key) throws IOException {
    Snapshot s = get(key);
    model.checkRemove(s, all());
    List<RootChange> changes = new ArrayList<>();
    changes.add(new RootChange.Remove(Snapshot.rootName(key)));
    List<Snapshot> children = reparentChildren(key, s.parent(), changes);
    try (WriteSession session = chunks.session()) {
      session.commit(changes);
    }
    TreeFileSystem dropped = open.remove(key);
    dropIntentLog(key);
    snapshots.remove(key);
    for (Snapshot c : children) {
      snapshots.put(c.key(), c);
    }
    return dropped;
  }

  /**
   * Removes committed {@code key} as {@link #remove} does (same checks), but keeps its tree under
   * {@code newKey}, its record changed by {@code change}, in one commit: for a driver whose tool
   * keeps a removed dataset's content alive elsewhere (a ZFS snapshot that promote moved).
   */
  public synchronized void retire(
      String key, String newKey, java.util.function.UnaryOperator<Snapshot> change)
      throws IOException {
    checkKey(newKey);
    Snapshot s = checkRemovable(key);
    if (s.kind() != Kind.COMMITTED) {
      throw new ConflictException("snapshot " + key + " is not committed; it cannot be retired");
    }
    if (snapshots.containsKey(newKey)) {
      throw new AlreadyExistsException("snapshot " + newKey + " exists already");
    }
    Snapshot kept =
        change.apply(
            new Snapshot(
                newKey,
                null,
                Kind.COMMITTED,
                s.created(),
                s.updated(),
                s.labels(),
                s.treeRoot(),
                s.extension()));
    Root old = chunks.root(Snapshot.rootName(key));
    try (WriteSession session = chunks.session()) {
      session.commit(
          List.of(
              new RootChange.Put(
                  new Root(Snapshot.rootName(newKey), 0, kept.encode(), old.chunks())),
              new RootChange.Remove(Snapshot.rootName(key))));
    }
    open.remove(key);
    dropIntentLog(key);
    snapshots.remove(key);
    snapshots.put(newKey, kept);
  }

  /**
   * Changes {@code key}'s record (its extension or parent link) durably: {@code change} is applied
   * to the current record, atomically with respect to the record updates that file changes make, so
   * neither can put back a record the other replaced.
   */
  public void update(String key, java.util.function.UnaryOperator<Snapshot> change)
      throws IOException {
    synchronized (keyLock(key)) {
      Snapshot s = change.apply(get(key));
      if (!s.key().equals(key)) {
        throw new IllegalArgumentException("update of " + key + " may not rename it");
      }
      try (WriteSession session = chunks.session()) {
        session.commit(
            List.of(
                new RootChange.Update(
                    Snapshot.rootName(key),
                    0,
                    s.encode(),
                    new RoaringBitmap(),
                    new RoaringBitmap())));
      }
      synchronized (this) {
        snapshots.put(key, s);
      }
    }
  }

  /** The lock that orders the durable updates of one snapshot's record. */
  private Object keyLock(String key) {
    return keyLocks.computeIfAbsent(key, k -> new Object());
  }

  public synchronized SnapshotInfo stat(String key) {
    return get(key).info();
  }

  public synchronized void walk(Consumer<SnapshotInfo> visitor) {
    for (Snapshot s : new ArrayList<>(snapshots.values())) {
      visitor.accept(s.info());
    }
  }

  /**
   * Bytes of file content written into {@code key}'s tree since its parent (all of it without a
   * parent), as docker's SizeRw counts a writable layer: the sum of {@link FileLayout#dataBytes}
   * over the content items added or changed, at the layout's granularity (4 KiB blocks, whole
   * records). An item whose chunk the same file held in the parent is that file's old data moved or
   * trimmed (a split extent's remainder) and is left out; a copy of the image's bytes into another
   * file counts, as the copy a program writes does on Btrfs or in overlayfs's upper directory.
   * Unlike {@link #usage}, it does not depend on what other snapshots hold: two containers writing
   * the same bytes are each charged for them. Costs in proportion to the change (and the size of
   * the changed files in the parent).
   */
  public long written(String key) throws IOException {
    syncForFigures(key);
    Snapshot s;
    TreeFileSystem newer;
    TreeFileSystem older;
    synchronized (this) {
      s = get(key);
      newer = newFs(s);
      older = s.parent() == null ? null : newFs(get(s.parent()));
    }
    FileLayout layout = model.layout(s);
    // The chunks the changed file used in the parent: an item of the same file on one of them is
    // old data moved or trimmed, not a write. Only the file whose items are being compared: they
    // come together (keys start with the inode), and a map of every changed file's chunks grew
    // with the number of changed files until a container of a million new ones took the heap
    // (docs/ADVERSARIAL.md, G5).
    long[] parentIno = {-1};
    List<Set<Digest>> parentChunks = new ArrayList<>(List.of(Set.of()));
    long[] sum = {0};
    CowTree.DiffVisitor count =
        (k, before, after) -> {
          if (after != null
              && k.length == 17
              && k[8] == 5 // a DATA item
              && after.length >= Digest.LENGTH) {
            long ino = ByteBuffer.wrap(k, 0, 8).getLong();
            if (older != null && ino != parentIno[0]) {
              parentIno[0] = ino;
              parentChunks.set(0, dataChunks(older, k));
            }
            Set<Digest> had = parentChunks.get(0);
            if (!had.contains(Digest.of(after, 0))) {
              long n = layout.dataBytes(after);
              if (n > 0) {
                sum[0] += n;
              }
            }
          }
        };
    if (older == null) {
      for (CowTree.Entry e : newer.tree().scan(new byte[0], null)) {
        count.changed(e.key(), null, e.value());
      }
    } else {
      CowTree.diff(older.tree(), newer.tree(), count);
    }
    return sum[0];
  }

  /** The chunks of the content items of the file whose DATA key {@code k} is, in {@code fs}. */
  private static Set<Digest> dataChunks(TreeFileSystem fs, byte[] k) {
    byte[] from = Arrays.copyOf(k, 17);
    Arrays.fill(from, 9, 17, (byte) 0);
    byte[] to = from.clone();
    to[8]++; // the next item type: every DATA item of the file lies below it
    Set<Digest> out = new HashSet<>();
    for (CowTree.Entry e : fs.tree().scan(from, to)) {
      if (e.value().length >= Digest.LENGTH) {
        out.add(Digest.of(e.value(), 0));
      }
    }
    return out;
  }

  /** Bytes {@code key} holds alone and shares with other roots. */
  public synchronized Usage usage(String key) {
    get(key);
    String name = Snapshot.rootName(key);
    RoaringBitmap mine = chunks.root(name).chunks();
    RoaringBitmap exclusive = RoaringBitmap.andNot(mine, chunks.referencedExcept(name));
    long ex = chunks.storedBytes(exclusive);
    return new Usage(ex, chunks.storedBytes(mine) - ex, mine.getLongCardinality());
  }

  /**
   * Makes the reference sets of active snapshots exact again. While a snapshot is written, chunks
   * its files stop using stay in its set (another file of the same tree may still use them); this
   * recomputes each set from the tree so that gc can take what is really gone. Run by the engine
   * before gc; each snapshot's writes wait while its set is recomputed.
   */
  public void recount() throws IOException {
    List<String> active = new ArrayList<>();
    synchronized (this) {
      snapshots.values().stream()
          .filter(s -> s.kind() == Kind.ACTIVE)
          .forEach(s -> active.add(s.key()));
    }
    for (String key : active) {
      TreeFileSystem fs;
      try {
        fs = (TreeFileSystem) fs(key);
      } catch (NotFoundException | CorruptDataException e) {
        continue; // removed meanwhile, or refused until its intent log is dealt with
      }
      try {
        recount(key, fs);
      } catch (IOException | RuntimeException e) {
        if (!DiskFull.causedBy(e)) {
          throw e;
        }
        // The snapshot's held writes could not be made durable (the mount hears of it at its next
        // fsync): its set stays as it was, larger than exact, which keeps more than gc could take
        // and nothing less; the gc that frees the disk goes on (FORMAT.md: gc works on a full
        // disk).
        System.getLogger(SnapshotSet.class.getName())
            .log(
                System.Logger.Level.WARNING,
                "snapshot {0}: the disk is full; its references are not recounted by this gc: {1}",
                key,
                e.toString());
      }
    }
  }

  /**
   * Makes the reference set of active snapshot {@code key}, whose files {@code fs} holds, exact.
   */
  private void recount(String key, TreeFileSystem fs) throws IOException {
    fs.quiesced(
        () -> {
          synchronized (keyLock(key)) {
            Snapshot s;
            synchronized (this) {
              s = snapshots.get(key);
            }
            if (s == null) {
              return;
            }
            RoaringBitmap exact =
                TreeFileSystem.referencedChunks(chunks, context.nodeCache(), s.treeRoot());
            RoaringBitmap held = chunks.root(Snapshot.rootName(key)).chunks();
            RoaringBitmap drop = RoaringBitmap.andNot(held, exact);
            drop.andNot(sameBytes(drop, exact));
            if (!drop.isEmpty()) {
              try (WriteSession session = chunks.session()) {
                session.commit(
                    List.of(
                        new RootChange.Update(
                            Snapshot.rootName(key), 0, s.encode(), new RoaringBitmap(), drop)));
              }
            }
          }
        });
  }

  /**
   * The chunks of {@code ids} whose bytes {@code in} holds under another id. A tree names chunks by
   * digest, a reference set by id, and a digest can have several ids (two stratads sharing a bucket
   * stored it at once): which one {@link ChunkAccess#idOf} returns may differ from the one the set
   * holds, and both keep the bytes.
   */
  private RoaringBitmap sameBytes(RoaringBitmap ids, RoaringBitmap in) {
    RoaringBitmap out = new RoaringBitmap();
    for (int id : ids) {
      Digest d = chunks.digest(id);
      if (d != null) {
        for (int other : chunks.idsOf(d)) {
          if (other != id && in.contains(other)) {
            out.add(id);
            break;
          }
        }
      }
    }
    return out;
  }

  /**
   * Checks every snapshot's tree: each node decodes and every chunk the tree uses is in the store
   * and in the snapshot's reference set (a chunk missing from the set could be collected while
   * still in use). Returns one problem per damaged snapshot.
   */
  public List<io.strata.store.engine.FsckReport.Damage> check() {
    List<io.strata.store.engine.FsckReport.Damage> out = new ArrayList<>();
    for (Snapshot s : all().values()) {
      String root = Snapshot.rootName(s.key());
      try {
        RoaringBitmap used =
            TreeFileSystem.referencedChunks(chunks, context.nodeCache(), s.treeRoot());
        RoaringBitmap held = chunks.root(root).chunks();
        RoaringBitmap unheld = RoaringBitmap.andNot(used, held);
        unheld.andNot(sameBytes(unheld, held));
        if (!unheld.isEmpty()) {
          int id = unheld.first();
          Digest d = chunks.digest(id);
          out.add(
              new io.strata.store.engine.FsckReport.Damage(
                  d == null ? "chunk #" + id : d.toString(),
                  "snapshot "
                      + s.key()
                      + " uses "
                      + unheld.getLongCardinality()
                      + " chunks its reference set lacks",
                  List.of(root)));
        }
      } catch (RuntimeException e) {
        out.add(
            new io.strata.store.engine.FsckReport.Damage(
                "tree " + s.treeRoot(),
                "snapshot " + s.key() + ": " + e.getMessage(),
                List.of(root)));
      }
    }
    return out;
  }

  /** The reference bitmap of {@code key}'s root. */
  public synchronized RoaringBitmap chunkSet(String key) {
    get(key);
    return chunks.root(Snapshot.rootName(key)).chunks();
  }

  /** The directory of the intent logs, under the driver's metadata directory. */
  public static final String INTENT_DIR = "intent";

  public FileSystemView fs(String key) {
    Snapshot s;
    synchronized (this) {
      TreeFileSystem fs = open.get(key);
      if (fs != null) {
        return fs;
      }
      String refused = unreplayable.get(key);
      if (refused != null) {
        throw new CorruptDataException(refused, intentLogFile(key).toString());
      }
      s = get(key);
      if (s.kind() != Kind.ACTIVE || intentDir == null) {
        fs = newFs(s);
        open.put(key, fs);
        return fs;
      }
    }
    // An active snapshot's file system gets its intent log, after what a crash left in it is
    // replayed: under the snapshot's key lock (its commits take it, then this set's), not this
    // set's lock, which the replay's commit takes after it.
    synchronized (keyLock(key)) {
      synchronized (this) {
        TreeFileSystem fs = open.get(key);
        if (fs != null) {
          return fs;
        }
        s = get(key);
      }
      TreeFileSystem fs = newFs(s);
      Path file = intentLogFile(key);
      replayIntentLog(key, fs, file);
      fs.attachIntentLog(new IntentLog(file));
      synchronized (this) {
        get(key); // removed meanwhile: not found
        open.put(key, fs);
      }
      return fs;
    }
  }

  /**
   * Replays onto {@code fs}, the snapshot's file system on its committed root, what its intent log
   * holds, commits it and removes the log; a log that is damaged or cannot be replayed is kept and
   * the snapshot refused from now on, saying why. Under the snapshot's key lock.
   */
  private void replayIntentLog(String key, TreeFileSystem fs, Path file) {
    try {
      LoggedChanges pending = LoggedChanges.read(file, fs.committedRoot());
      if (!pending.isEmpty()) {
        fs.replay(pending);
        LOG.log(
            System.Logger.Level.INFO,
            "snapshot {0}: {1} changes an fsync made durable before the last stop are replayed"
                + " from its intent log",
            key,
            pending.count());
      }
      Files.deleteIfExists(file);
    } catch (IOException e) {
      if (metFullDisk(e)) {
        // Not the log's fault: the next open tries again, once there is room (tester AS5: the
        // snapshot stayed refused after space was freed, and the message said only to give the
        // acknowledged changes up or restart).
        String why =
            "snapshot "
                + key
                + ": its intent log "
                + file
                + " holds changes an fsync acknowledged, and replaying them needs room the disk"
                + " does not have ("
                + e.getMessage()
                + "); the log is kept: free space and open the snapshot again";
        LOG.log(System.Logger.Level.WARNING, why);
        throw new StorageFullException(why, e);
      }
      String why =
          "snapshot "
              + key
              + ": its intent log "
              + file
              + " holds changes an fsync acknowledged that could not be replayed ("
              + e.getMessage()
              + "); the log is kept, the snapshot is not opened: remove or roll back the"
              + " snapshot to give those changes up, or move the log away and restart the"
              + " server to open it without them";
      LOG.log(System.Logger.Level.ERROR, why);
      synchronized (this) {
        unreplayable.put(key, why);
      }
      throw new CorruptDataException(why, file.toString(), e);
    }
  }

  /** Whether {@code e} came of a full disk (the store's or the OS's words for it). */
  private static boolean metFullDisk(Throwable e) {
    for (Throwable t = e; t != null && t.getCause() != t; t = t.getCause()) {
      if (t instanceof StorageFullException) {
        return true;
      }
    }
    return DiskFull.causedBy(e);
  }

  /**
   * Replays what a crash left in the intent logs of active snapshots and removes the logs of
   * snapshots that are gone: what a driver calls once it is whole, as a replay commits through it.
   * A log that cannot be replayed is kept, and its snapshot refused at every open, saying why.
   */
  public void recoverIntentLogs() {
    if (intentDir == null || !Files.isDirectory(intentDir)) {
      return;
    }
    Map<String, String> keys = new HashMap<>();
    for (Snapshot s : all().values()) {
      if (s.kind() == Kind.ACTIVE) {
        keys.put(intentLogFile(s.key()).getFileName().toString(), s.key());
      }
    }
    try (java.nio.file.DirectoryStream<Path> files = Files.newDirectoryStream(intentDir)) {
      for (Path f : files) {
        String key = keys.get(f.getFileName().toString());
        if (key == null) {
          Files.deleteIfExists(f);
          continue;
        }
        try {
          fs(key);
        } catch (CorruptDataException e) {
          // said in the log by fs(), and at every open of the snapshot
        } catch (StorageFullException e) {
          // said in the log by fs(); the next open of the snapshot replays it, given room
        }
      }
    } catch (IOException e) {
      LOG.log(System.Logger.Level.WARNING, "intent logs in {0}: {1}", intentDir, e.toString());
    }
  }

  /** Removes the intent log of snapshot {@code key}, which is gone or no longer active. */
  private void dropIntentLog(String key) {
    if (intentDir == null) {
      return;
    }
    synchronized (this) {
      unreplayable.remove(key); // a snapshot made later under the key starts afresh
    }
    try {
      Files.deleteIfExists(intentLogFile(key));
    } catch (IOException e) {
      LOG.log(System.Logger.Level.WARNING, "intent log of {0}: {1}", key, e.toString());
    }
  }

  /** The file systems opened so far: those that may hold what a close should write. */
  public synchronized List<TreeFileSystem> opened() {
    return new ArrayList<>(open.values());
  }

  /** Where the intent log of active snapshot {@code key} lives. */
  private Path intentLogFile(String key) {
    byte[] k = key.getBytes(StandardCharsets.UTF_8);
    return intentDir.resolve(Digest.sha256(k, 0, k.length).hex() + ".log");
  }

  private TreeFileSystem newFs(Snapshot s) {
    boolean readOnly = s.kind() != Kind.ACTIVE;
    return new TreeFileSystem(
        chunks,
        context.nodeCache(),
        s.treeRoot(),
        model.layout(s),
        readOnly,
        (session, root, added, released) -> bind(s.key(), session, root, added, released),
        context.clock());
  }

  private void bind(
      String key, WriteSession session, Digest root, RoaringBitmap added, RoaringBitmap released)
      throws IOException {
    synchronized (keyLock(key)) {
      model.checkChange(get(key));
      Snapshot s = get(key).withTree(root);
      s = s.withExtension(model.changed(s));
      session.commit(
          List.of(new RootChange.Update(Snapshot.rootName(key), 0, s.encode(), added, released)));
      synchronized (this) {
        snapshots.put(key, s);
      }
    }
  }

  /**
   * The changes of {@code key} against {@code parent} (null: an empty tree), as {@code docker diff}
   * lists them: added and deleted names, and changed files (content, attributes, or a directory
   * whose entries changed).
   */
  public List<Change> diff(String key, String parent) throws IOException {
    List<Change> out = new ArrayList<>();
    try (ChangeStream changes = diffStream(key, parent)) {
      changes.forEachRemaining(out::add);
    }
    return out;
  }

  // The flags a path gets in a diff's spool; its change is decided from them when it is read.
  private static final int ADDED = 1; // a new directory entry
  private static final int DELETED = 2; // a directory entry gone
  private static final int CHANGED = 4; // an entry or inode changed
  private static final int REPLACED = 8; // a name that leads to another inode now
  // ... and its change, once decided.
  private static final int A = 16;
  private static final int C = 32;
  private static final int D = 64;

  /**
   * {@link #diff} as a stream, in bounded memory: the changes are spooled ({@link ChangeSpool}) as
   * the trees are compared, each with the flags it earned, and sorted and decided when read, so a
   * snapshot with a million added files costs a file of their paths, not a heap of them
   * (docs/ADVERSARIAL.md, G5).
   */
  public ChangeStream diffStream(String key, String parent) throws IOException {
    TreeFileSystem newer;
    TreeFileSystem older;
    syncOpen(key);
    synchronized (this) {
      newer = newFs(get(key));
      older = parent == null ? null : newFs(get(parent));
    }
    if (older == null) {
      ChangeSpool all = new ChangeSpool(spoolDir(), spoolBytes);
      try {
        addAll(newer, "/", all, A);
        return decided(all);
      } catch (IOException | RuntimeException | Error e) {
        all.close();
        throw e;
      }
    }
    // Two passes, each through a spool: the trees' differences, each path's change decided from
    // what it got; then the same with, under each added directory, its whole content (a directory
    // moved in keeps its entries, which the trees share, and docker diff lists them as added).
    ChangeSpool all = new ChangeSpool(spoolDir(), spoolBytes);
    try (ChangeSpool found = new ChangeSpool(spoolDir(), spoolBytes)) {
      spoolDiff(older, newer, found);
      for (var it = found.iterator(); it.hasNext(); ) {
        ChangeSpool.Entry e = it.next();
        int f = e.flags();
        if ((f & ADDED) != 0 && (f & DELETED) != 0) {
          all.add(e.path(), C); // a name deleted and added again: replaced
        } else if ((f & ADDED) != 0) {
          all.add(e.path(), A);
          if (newer.stat(e.path()).isDirectory()) {
            addAll(newer, e.path(), all, A);
          }
        } else if ((f & DELETED) != 0) {
          all.add(e.path(), D);
        } else if ((f & REPLACED) != 0) {
          // Another inode under the same name: what the old one held is gone from this path and
          // what the new one holds is new here, however the trees share it (a directory moved
          // from elsewhere keeps its entries; the old one may live on under another name). So
          // every old entry below is D and every new one A (A wins where both are): a commit's
          // whiteouts then hide the old content, and its tar carries the new (AF1: `mv dir.new
          // dir` committed the old entries back, or none of the moved ones).
          all.add(e.path(), C);
          if (isDirectory(older, e.path())) {
            addAll(older, e.path(), all, D);
          }
          if (isDirectory(newer, e.path())) {
            addAll(newer, e.path(), all, A);
          }
        } else {
          all.add(e.path(), C);
        }
      }
      return decided(all);
    } catch (IOException | RuntimeException | Error e) {
      all.close();
      throw e;
    }
  }

  private static void spoolDiff(TreeFileSystem older, TreeFileSystem newer, ChangeSpool spool)
      throws IOException {
    // The inode whose items were last seen: its items come together (keys start with the inode),
    // so one path lookup serves all of them.
    long[] lastIno = {-1};
    try {
      CowTree.diff(
          older.tree(),
          newer.tree(),
          (k, before, after) -> {
            try {
              ByteBuffer b = ByteBuffer.wrap(k);
              long ino = b.getLong();
              byte type = b.get();
              if (type == 2) { // a directory entry
                String name = new String(k, 9, k.length - 9, StandardCharsets.UTF_8);
                if (before == null) {
                  spool.add(join(newer.pathOf(ino), name), ADDED);
                } else if (after == null) {
                  spool.add(join(older.pathOf(ino), name), DELETED);
                } else {
                  // an entry's value is its inode: another inode has the name now (a rename over
                  // it, a directory moved there)
                  spool.add(join(newer.pathOf(ino), name), REPLACED);
                }
              } else if (type == 1
                  && before != null
                  && after != null
                  && TreeFileSystem.differInLinksOnly(before, after)) {
                // another name came or went: this file is unchanged (a commit names its partners
                // where one of them is added or changed)
              } else if ((type == 1 || type == 4 || type == 5) && ino != lastIno[0]) {
                lastIno[0] = ino;
                try {
                  String p = newer.pathOf(ino);
                  if (!p.equals("/")) {
                    spool.add(p, CHANGED); // an added file's own change is no change
                  }
                } catch (NotFoundException e) {
                  // deleted in the newer tree: reported by its directory entry
                }
              }
            } catch (IOException e) {
              throw new java.io.UncheckedIOException(e);
            }
          });
    } catch (java.io.UncheckedIOException e) {
      throw e.getCause();
    }
  }

  /** The spooled paths as changes: what each is, decided from the flags it got. */
  private static ChangeStream decided(ChangeSpool spool) throws IOException {
    java.util.Iterator<ChangeSpool.Entry> sorted = spool.iterator();
    return new ChangeStream() {
      @Override
      public boolean hasNext() {
        return sorted.hasNext();
      }

      @Override
      public Change next() {
        ChangeSpool.Entry e = sorted.next();
        // An addition under an added directory wins over what the path was found to be.
        char kind = (e.flags() & A) != 0 ? 'A' : (e.flags() & D) != 0 ? 'D' : 'C';
        return new Change(kind, e.path());
      }

      @Override
      public void close() throws IOException {
        spool.close();
      }
    };
  }

  /** Whether {@code path} is a directory in {@code fs} (false if it is not there). */
  private static boolean isDirectory(TreeFileSystem fs, String path) {
    try {
      return fs.stat(path).isDirectory();
    } catch (NotFoundException e) {
      return false;
    }
  }

  private static void addAll(TreeFileSystem fs, String dir, ChangeSpool out, int flags)
      throws IOException {
    for (var e : fs.list(dir)) {
      String p = join(dir, e.name());
      out.add(p, flags);
      if (e.stat().isDirectory()) {
        addAll(fs, p, out, flags);
      }
    }
  }

  /** Where diffs spool what does not fit their memory: the data root's tmp. */
  private java.nio.file.Path spoolDir() {
    return context.metadataDir().toAbsolutePath().resolveSibling("tmp");
  }

  /** The memory one diff holds before it spools (tests make it small). */
  long spoolBytes = ChangeSpool.DEFAULT_BYTES;

  private static String join(String dir, String name) {
    return dir.equals("/") ? "/" + name : dir + "/" + name;
  }

  /**
   * The longest key, in UTF-8 bytes. containerd's metadata store prefixes the keys its users give
   * ({@code <namespace>/<counter>/}) and sets no limit of its own; its snapshotters keep keys in
   * bolt, which takes any length. A root name takes up to 65,535 bytes; 4 KiB, a path's length,
   * leaves keys of any sane length room for the prefix, whatever the counter grows to.
   */
  static final int MAX_KEY_BYTES = 4096;

  private static void checkKey(String key) {
    if (key == null
        || key.isEmpty()
        || key.getBytes(java.nio.charset.StandardCharsets.UTF_8).length > MAX_KEY_BYTES
        || key.chars().anyMatch(c -> c < 0x20 || c == 0x7F)) {
      throw new InvalidArgumentException(
          "snapshot key "
              + (key == null
                  ? "(none)"
                  : "'" + (key.length() > 80 ? key.substring(0, 80) + "…" : key) + "'")
              + ": must be 1 to "
              + MAX_KEY_BYTES
              + " bytes of printable characters");
    }
  }
}
