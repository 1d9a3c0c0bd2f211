package io.strata.driver.zfs;

import io.strata.store.chunk.ChunkerParams;
import io.strata.store.driver.DriverContext;
import io.strata.store.driver.Kind;
import io.strata.store.driver.PropertyAssignment;
import io.strata.store.driver.Snapshot;
import io.strata.store.driver.SnapshotInfo;
import io.strata.store.driver.SnapshotSet;
import io.strata.store.driver.SnapshotSetDriver;
import io.strata.store.engine.ChunkAccess;
import io.strata.store.engine.WriteSession;
import io.strata.store.error.ConflictException;
import io.strata.store.fs.AccessTimes;
import io.strata.store.fs.FileLayout;
import io.strata.store.fs.TreeFileSystem;
import io.strata.store.image.layer.LayerStore;
import io.strata.store.ref.Root;
import io.strata.store.ref.RootChange;
import io.strata.store.transfer.ContentCut;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.UnaryOperator;
import org.roaringbitmap.RoaringBitmap;

/**
 * The ZFS-like driver, mapping containerd's snapshots onto a pool as Docker's zfs graphdriver does:
 * a snapshot made from nothing is a filesystem dataset {@code strata/<id>}; committing it takes its
 * snapshot {@code strata/<id>@<id>}; a snapshot made from a committed parent is a clone of the
 * parent's snapshot, whose {@code origin} names it. A clone keeps its origin alive; {@link
 * #promote} reverses that.
 *
 * <p>The containerd semantics are {@link SnapshotSet}'s; this class adds the dataset records (in
 * each snapshot's extension), the pool record (root {@code zfs/pool}), the record layout of files,
 * properties, promote and the listing. Changes to records are serialized on this object; the record
 * layouts read an immutable {@link DatasetTable} instead, because they run under a file system's
 * lock, which this object's changes may take after its own.
 */
public final class ZfsDriver extends SnapshotSetDriver
    implements Promoter,
        DatasetProperties,
        DatasetSnapshots,
        io.strata.store.driver.NativeProperties {
  /** The driver's name. */
  public static final String NAME = "zfs";

  private static final System.Logger LOG = System.getLogger(ZfsDriver.class.getName());

  private final DriverContext context;
  private final ChunkAccess chunks;
  private final SnapshotSet set;
  private final AtomicLong salts = new AtomicLong();
  private final WriteGuard guard;
  private volatile DatasetTable table;

  private ZfsDriver(DriverContext context) {
    this.context = context;
    this.chunks = context.chunks();
    this.set = new SnapshotSet(context, new Model());
    this.guard =
        new WriteGuard(
            () -> table, k -> chunks.root(Snapshot.rootName(k)).chunks(), chunks::storedBytes);
  }

  static ZfsDriver open(DriverContext context) throws IOException {
    ZfsDriver d = new ZfsDriver(context);
    Root root = d.chunks.root(PoolRecord.ROOT);
    PoolRecord pool = root == null ? PoolRecord.EMPTY : PoolRecord.decode(root.payload());
    d.table = DatasetTable.of(d.set.all(), pool);
    d.dropUnheldSnapshots(); // a zfs snapshot or rollback cut short by a crash
    if (root == null) {
      // dedup defaults to off, as in OpenZFS; Strata's pool is made as with "zpool create -O
      // dedup=on", since the store promises that equal content is stored once (SPEC section 4).
      // A pool that never had a record (made before this) keeps deduplicating the same way.
      d.savePool(pool.withProperty(DatasetProperty.DEDUP.id(), "on"));
      pool = d.table.pool();
    }
    if (!pool.pending().isEmpty()) {
      LOG.log(System.Logger.Level.INFO, "zfs: finishing a promote interrupted by a crash");
      d.finish(pool);
    }
    d.set.recoverIntentLogs(); // a replay commits: after the dataset table is whole
    return d;
  }

  /** The containerd side's hooks: dataset records and the record layout. */
  private final class Model implements SnapshotSet.Model {
    @Override
    public FileLayout layout(Snapshot s) {
      String key = s.key();
      return new RecordLayout(
          () -> {
            DatasetTable t = table;
            return t.settings(t.byKey(key));
          },
          ZfsDriver.this::salt,
          bytes -> guard.admit(key, bytes),
          // A layer being built (LayerStore.TMP) is read back by Strata to describe it, not by a
          // process: its reads change no access time, as Docker never reads back a layer it
          // extracted.
          key.startsWith(LayerStore.TMP)
              ? () -> AccessTimes.NEVER
              : () -> {
                DatasetTable t = table;
                try {
                  return t.accessTimes(t.byKey(key));
                } catch (io.strata.store.error.NotFoundException removed) {
                  return AccessTimes.NEVER; // read through a file system its dataset outlived
                }
              },
          () -> guard.admitMetadata(key));
    }

    @Override
    public void checkChange(Snapshot s) {
      guard.checkWritable(s.key());
    }

    @Override
    public byte[] changed(Snapshot s) {
      guard.settled(s.key());
      return s.extension();
    }

    @Override
    public byte[] created(Snapshot proposed, Snapshot parent) {
      if (proposed.key().startsWith(DatasetTable.SNAPSHOT)) {
        // zfs snapshot: the tree of snapshot @<id>, held by the dataset it was taken of
        long id = Long.parseLong(proposed.key().substring(DatasetTable.SNAPSHOT.length()));
        return DatasetRecord.create(id, 0).encode();
      }
      if (proposed.kind() == Kind.COMMITTED) {
        // A commit: the dataset stays, and takes its snapshot @<id>.
        DatasetRecord r = DatasetRecord.decode(parent.extension(), parent.key());
        return r.holding(r.id()).encode();
      }
      long origin =
          parent == null ? 0 : DatasetRecord.decode(parent.extension(), parent.key()).id();
      return DatasetRecord.create(DatasetTable.nextId(set.all()), origin).encode();
    }

    @Override
    public void checkRemove(Snapshot s, Map<String, Snapshot> all) {
      DatasetTable t = DatasetTable.of(all, table.pool());
      DatasetTable.Entry e = t.byKey(s.key());
      List<Long> snapshots = new ArrayList<>(t.held(e));
      snapshots.add(e.id()); // its own snapshot's content lives here, wherever it is held
      for (long m : snapshots) {
        for (DatasetTable.Entry clone : t.clonesOf(m)) {
          if (clone.id() != e.id()) {
            throw new ConflictException(
                "dataset "
                    + e.name()
                    + " (snapshot "
                    + s.key()
                    + "): its snapshot "
                    + t.snapshotName(m)
                    + " has clone "
                    + clone.name()
                    + " (snapshot "
                    + clone.key()
                    + "); remove or promote the clone first");
          }
        }
      }
    }
  }

  /** A fresh salt for a record written with dedup off: never 0, distinct across restarts. */
  private long salt() {
    long s = RecordLayout.mix(context.clock().getAsLong() + salts.incrementAndGet() * 0x9E37L);
    return s == 0 ? 1 : s;
  }

  private void refresh() {
    table = DatasetTable.of(set.all(), table.pool());
  }

  // ---- containerd semantics, from the snapshot set ----

  @Override
  protected SnapshotSet set() {
    return set;
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public synchronized SnapshotInfo prepare(String key, String parent, Map<String, String> labels)
      throws IOException {
    hidden(key);
    hidden(parent);
    try {
      return set.prepare(key, parent, labels);
    } finally {
      refresh();
    }
  }

  @Override
  public synchronized SnapshotInfo view(String key, String parent, Map<String, String> labels)
      throws IOException {
    hidden(key);
    hidden(parent);
    try {
      return set.view(key, parent, labels);
    } finally {
      refresh();
    }
  }

  /** A frozen view is a dataset of the table too: its file system reads through it. */
  @Override
  public synchronized SnapshotInfo frozenView(String key, String source) throws IOException {
    hidden(key);
    hidden(source);
    try {
      return set.copy(key, source, Kind.VIEW, Map.of());
    } finally {
      refresh();
    }
  }

  /** Internal keys are not containerd's to name. */
  private static void hidden(String key) {
    if (key != null && DatasetTable.snapshotOnly(key)) {
      throw new io.strata.store.error.InvalidArgumentException(
          "snapshot key " + key + ": the prefixes zfs-retired@ and zfs-snapshot@ are the driver's");
    }
  }

  @Override
  public synchronized SnapshotInfo commit(String name, String key, Map<String, String> labels)
      throws IOException {
    try {
      return set.commit(name, key, labels);
    } finally {
      refresh();
    }
  }

  /**
   * {@code zfs destroy}. A dataset whose own snapshot a promote moved to another dataset keeps that
   * snapshot's content when it goes, as ZFS does: its tree stays under an internal key (see {@link
   * DatasetTable#RETIRED}) until the dataset now holding the snapshot is destroyed too.
   */
  @Override
  public synchronized void remove(String key) throws IOException {
    if (DatasetTable.snapshotOnly(key)) {
      throw new io.strata.store.error.NotFoundException("snapshot " + key + " not found");
    }
    guard.settled(key);
    try {
      DatasetTable t = table;
      DatasetTable.Entry e = t.byKey(key);
      DatasetTable.Entry holder = t.holder(e.id());
      if (e.kind() == Kind.COMMITTED && holder != null && holder.id() != e.id()) {
        long id = e.id();
        set.retire(
            key,
            DatasetTable.RETIRED + id,
            s -> s.withExtension(DatasetRecord.create(id, 0).encode()));
      } else {
        set.remove(key);
      }
    } finally {
      refresh();
    }
    // A kept snapshot goes with the last dataset holding it (zfs destroy -r of the holder).
    dropUnheldSnapshots();
  }

  /** Removes snapshot-only entries no dataset holds (see {@link DatasetTable#snapshotOnly}). */
  private void dropUnheldSnapshots() throws IOException {
    for (DatasetTable.Entry r : List.copyOf(table.entries())) {
      if (DatasetTable.snapshotOnly(r.key()) && table.holder(r.id()) == null) {
        try {
          set.remove(r.key());
        } finally {
          refresh();
        }
      }
    }
  }

  // ---- zfs snapshot, rollback, destroy -R ----

  @Override
  public synchronized String snapshot(String key) throws IOException {
    hidden(key);
    DatasetTable.Entry e = table.byKey(key);
    long id = DatasetTable.nextId(set.all());
    try {
      set.copy(DatasetTable.SNAPSHOT + id, key, Kind.VIEW, Map.of());
      set.update(DatasetTable.SNAPSHOT + id, s -> s.withParent(null)); // no containerd child
    } finally {
      refresh();
    }
    updateRecord(table.byKey(key), r -> r.holding(id));
    return e.name() + "@" + id;
  }

  @Override
  public synchronized void rollback(String snapshot, boolean destroyNewer) throws IOException {
    int at = snapshot.indexOf('@');
    DatasetTable t = table;
    DatasetTable.Entry d = at < 0 ? null : t.byName(snapshot.substring(0, at));
    if (d == null) {
      throw new io.strata.store.error.InvalidArgumentException(
          "rollback " + snapshot + ": name a snapshot, strata/<id>@<n>");
    }
    String number = snapshot.substring(at + 1);
    List<Long> held = t.held(d);
    long n = number.matches("[1-9][0-9]{0,18}") ? Long.parseLong(number) : -1;
    if (!held.contains(n)) {
      throw new io.strata.store.error.NotFoundException("snapshot " + snapshot + " not found");
    }
    if (d.kind() != Kind.ACTIVE) {
      throw new ConflictException(
          "rollback "
              + snapshot
              + ": dataset "
              + d.name()
              + " is "
              + d.kind().name().toLowerCase()
              + " (snapshot "
              + d.key()
              + "); only a written dataset rolls back");
    }
    List<Long> newer = held.subList(held.indexOf(n) + 1, held.size());
    if (!newer.isEmpty() && !destroyNewer) {
      throw new ConflictException(
          "rollback "
              + snapshot
              + ": more recent snapshots exist ("
              + t.snapshotName(newer.get(0))
              + "); use -r to destroy them");
    }
    for (long m : newer) {
      if (!t.clonesOf(m).isEmpty()) {
        throw new ConflictException(
            "rollback " + snapshot + ": " + t.snapshotName(m) + " has clones; destroy them first");
      }
    }
    set.resetTree(d.key(), t.owner(n).key());
    List<Long> kept = List.copyOf(held.subList(0, held.indexOf(n) + 1));
    updateRecord(d, r -> r.withHeld(kept));
    dropUnheldSnapshots();
  }

  @Override
  public synchronized void destroyRecursive(String key) throws IOException {
    hidden(key);
    table.byKey(key);
    // Everything that depends on key: containerd children, clones of the snapshots held, and so on.
    java.util.Set<String> doomed = new java.util.LinkedHashSet<>(List.of(key));
    boolean grew = true;
    while (grew) {
      grew = false;
      DatasetTable t = table;
      for (DatasetTable.Entry e : t.entries()) {
        if (doomed.contains(e.key()) || DatasetTable.snapshotOnly(e.key())) {
          continue;
        }
        boolean child = e.parent() != null && doomed.contains(e.parent());
        long origin = e.record().origin();
        DatasetTable.Entry from = origin == 0 ? null : t.holder(origin);
        boolean clone = from != null && doomed.contains(from.key());
        if (child || clone) {
          doomed.add(e.key());
          grew = true;
        }
      }
    }
    // Dependents first: remove whatever nothing left depends on, until all are gone.
    while (!doomed.isEmpty()) {
      boolean progress = false;
      for (String k : List.copyOf(doomed)) {
        try {
          remove(k);
          doomed.remove(k);
          progress = true;
        } catch (ConflictException stillNeeded) {
          // another doomed dataset still depends on it: later
        }
      }
      if (!progress) {
        throw new ConflictException(
            "destroy -R " + key + ": cannot remove " + doomed + " (a dependency outside them)");
      }
    }
  }

  @Override
  public SnapshotInfo stat(String key) {
    if (DatasetTable.snapshotOnly(key)) {
      throw new io.strata.store.error.NotFoundException("snapshot " + key + " not found");
    }
    return set.stat(key);
  }

  @Override
  public void walk(java.util.function.Consumer<SnapshotInfo> visitor) {
    set.walk(
        s -> {
          if (!DatasetTable.snapshotOnly(s.key())) {
            visitor.accept(s);
          }
        });
  }

  @Override
  public synchronized List<Map<String, Object>> nativeListing() throws IOException {
    return ZfsListing.rows(table, set::chunkSet, chunks::storedBytes, freeBytes());
  }

  @Override
  public void close() {
    // Every change is durable when it returns; the store belongs to the engine. Access times reads
    // set are written now, as ZFS writes them with its last transaction group.
    for (TreeFileSystem fs : set.opened()) {
      fs.flushAccessTimes(); // a read-only one has none
    }
  }

  // ---- promote ----

  @Override
  public synchronized void promote(String key) throws IOException {
    finish(intendPromote(key));
  }

  /**
   * Checks and plans a promote of {@code key} and durably records its two record updates in the
   * pool record; what a crash right after it leaves behind. Returns the pool record written.
   */
  synchronized PoolRecord intendPromote(String key) throws IOException {
    DatasetTable t = table;
    DatasetTable.Entry x = t.byKey(key);
    long m = x.record().origin();
    DatasetTable.Entry d = m == 0 ? null : t.holder(m);
    if (d == null) {
      throw new ConflictException(
          "dataset " + x.name() + " (snapshot " + key + ") is not a clone; nothing to promote");
    }
    // The origin and every older snapshot of its holder move to the clone, as zfs promote does.
    List<Long> held = t.held(d);
    int cut = held.indexOf(m) + 1;
    List<Long> moved = new ArrayList<>(held.subList(0, cut));
    List<Long> promotedHeld = new ArrayList<>(moved);
    promotedHeld.addAll(t.held(x));
    List<PoolRecord.Update> updates =
        List.of(
            new PoolRecord.Update(
                x.key(),
                d.parent(),
                x.record().withHeld(promotedHeld).withOrigin(d.record().origin()).encode()),
            new PoolRecord.Update(
                d.key(),
                x.key(),
                d.record().withHeld(held.subList(cut, held.size())).withOrigin(m).encode()));
    PoolRecord intent = t.pool().withPending(updates);
    savePool(intent);
    return intent;
  }

  /** Applies a promote's record updates (again, after a crash), then clears them. */
  private void finish(PoolRecord pool) throws IOException {
    for (PoolRecord.Update u : pool.pending()) {
      set.update(u.key(), s -> s.withParent(u.parent()).withExtension(u.extension()));
    }
    savePool(pool.withPending(List.of()));
    refresh();
  }

  private void savePool(PoolRecord pool) throws IOException {
    try (WriteSession session = chunks.session()) {
      session.commit(
          List.of(
              new RootChange.Put(
                  new Root(PoolRecord.ROOT, 0, pool.encode(), new RoaringBitmap()))));
    }
    table = DatasetTable.of(set.all(), pool);
  }

  // ---- properties ----

  @Override
  public String dataset(String key) {
    return table.byKey(key).name();
  }

  @Override
  public PropertyValue get(String dataset, String property) throws IOException {
    return get(dataset, property, false);
  }

  /** {@code zfs get [-p]}: with {@code exact}, sizes in bytes ({@code none} is 0). */
  private PropertyValue get(String dataset, String property, boolean exact) throws IOException {
    if (STATISTICS.contains(property)) {
      for (PropertyValue v : statistics(dataset, exact)) {
        if (v.property().equals(property)) {
          return v;
        }
      }
    }
    DatasetTable t = table;
    return shown(t.effective(t.byName(dataset), DatasetProperty.named(property)), exact);
  }

  /** The read-only properties {@code zfs get} shows with source {@code -}: space. */
  static final List<String> STATISTICS = List.of("available", "referenced", "used", "written");

  /**
   * {@code available}, {@code referenced}, {@code used} and {@code written} of {@code dataset}, as
   * {@code zfs list} charges them (see {@link ZfsListing}), all in stored (compressed) bytes;
   * {@code written} is what the dataset references beyond its latest snapshot or origin (see {@link
   * ZfsListing#written}). {@code available} is the data root's free space, less what a quota on the
   * dataset or the pool leaves.
   */
  private List<PropertyValue> statistics(String dataset, boolean exact) throws IOException {
    DatasetTable t = table;
    DatasetTable.Entry e = t.byName(dataset);
    long poolUsed = 0;
    for (DatasetTable.Entry d : t.entries()) {
      if (!DatasetTable.snapshotOnly(d.key())) {
        poolUsed += ZfsListing.used(t, d, set::chunkSet, chunks::storedBytes);
      }
    }
    long used = e == null ? poolUsed : ZfsListing.used(t, e, set::chunkSet, chunks::storedBytes);
    long refer = e == null ? 0 : chunks.storedBytes(set.chunkSet(e.key()));
    long written = e == null ? 0 : ZfsListing.written(t, e, set::chunkSet, chunks::storedBytes);
    long avail = ZfsListing.available(freeBytes(), ZfsListing.quota(t, null), poolUsed);
    if (e != null) {
      avail = ZfsListing.available(avail, ZfsListing.quota(t, e), used);
    }
    String name = e == null ? DatasetTable.POOL : e.name();
    java.util.function.LongFunction<String> f = exact ? Long::toString : DatasetProperty::niceBytes;
    return List.of(
        new PropertyValue(name, "available", f.apply(avail), "-"),
        new PropertyValue(name, "referenced", f.apply(refer), "-"),
        new PropertyValue(name, "used", f.apply(used), "-"),
        new PropertyValue(name, "written", f.apply(written), "-"));
  }

  /** Bytes free on the data root's disk. */
  private long freeBytes() {
    try {
      java.nio.file.Path p = context.metadataDir().toAbsolutePath();
      while (p.getParent() != null && !java.nio.file.Files.exists(p)) {
        p = p.getParent();
      }
      return java.nio.file.Files.getFileStore(p).getUsableSpace();
    } catch (IOException e) {
      return 0; // a listing is still useful without it
    }
  }

  /** A value as {@code zfs get} shows it; {@code exact} ({@code -p}): every size in bytes. */
  private static PropertyValue shown(PropertyValue v, boolean exact) {
    DatasetProperty p = DatasetProperty.named(v.property());
    String value =
        !exact
            ? p.display(v.value())
            : switch (p) {
              case QUOTA -> Long.toString(DatasetProperty.quotaBytes(v.value()));
              case RECORDSIZE -> Integer.toString(DatasetProperty.recordSize(v.value()));
              default -> v.value();
            };
    return new PropertyValue(v.dataset(), v.property(), value, v.source());
  }

  /**
   * {@code zfs get} of snapshot {@code name} ({@code strata/<id>@<n>}): its space as {@code zfs
   * list} shows it, the properties of datasets as {@code -} ({@code property} null: all, which are
   * the space ones only, as {@code zfs get all} of a snapshot leaves the dataset properties out).
   */
  private List<PropertyValue> snapshotProperties(String name, String property, boolean exact)
      throws IOException {
    Map<String, Object> row = null;
    for (Map<String, Object> r : nativeListing()) {
      if (name.equals(r.get("name")) && "snapshot".equals(r.get("type"))) {
        row = r;
      }
    }
    if (row == null) {
      throw new io.strata.store.error.NotFoundException("snapshot " + name + " not found");
    }
    java.util.function.LongFunction<String> f = exact ? Long::toString : DatasetProperty::niceBytes;
    List<PropertyValue> space =
        List.of(
            new PropertyValue(name, "referenced", f.apply((Long) row.get("refer")), "-"),
            new PropertyValue(name, "used", f.apply((Long) row.get("used")), "-"),
            new PropertyValue(name, "written", f.apply((Long) row.get("written")), "-"));
    if (property == null) {
      return space;
    }
    for (PropertyValue v : space) {
      if (v.property().equals(property)) {
        return List.of(v);
      }
    }
    if (property.equals("available")) {
      return List.of(new PropertyValue(name, property, "-", "-"));
    }
    // zfs get prints a dataset property of a snapshot as '-' with source '-'
    return List.of(new PropertyValue(name, DatasetProperty.named(property).id(), "-", "-"));
  }

  @Override
  public List<PropertyValue> list(String dataset) throws IOException {
    return list(dataset, false);
  }

  private List<PropertyValue> list(String dataset, boolean exact) throws IOException {
    DatasetTable t = table;
    DatasetTable.Entry e = t.byName(dataset);
    List<PropertyValue> out = new ArrayList<>(statistics(dataset, exact));
    for (DatasetProperty p : DatasetProperty.values()) {
      out.add(shown(t.effective(e, p), exact));
    }
    out.sort((a, b) -> a.property().compareTo(b.property()));
    return out;
  }

  @Override
  public synchronized void set(String dataset, String property, String value) throws IOException {
    if (value == null) {
      throw new io.strata.store.error.InvalidArgumentException(
          "driver set " + property + ": a value is required");
    }
    assign(List.of(dataset), List.of(new PropertyAssignment(property, value)));
  }

  @Override
  public synchronized void inherit(String dataset, String property) throws IOException {
    assign(List.of(dataset), List.of(new PropertyAssignment(property, null)));
  }

  /**
   * {@code zfs set} (and {@code zfs inherit}: a null value) of every assignment on every dataset,
   * all or nothing: each is checked on each dataset before the first is written, then each
   * dataset's record is rewritten once with all of its changes, so a refused assignment changes no
   * dataset and a crash leaves each dataset with all of them or none.
   */
  private void assign(List<String> datasets, List<PropertyAssignment> assignments)
      throws IOException {
    Map<String, Map<DatasetProperty, String>> changes = new java.util.LinkedHashMap<>();
    for (String dataset : datasets) {
      table.byName(dataset); // an unknown dataset or a snapshot is refused before any change
      Map<DatasetProperty, String> c =
          changes.computeIfAbsent(dataset, d -> new java.util.LinkedHashMap<>());
      for (PropertyAssignment a : assignments) {
        readOnlyStatistic(dataset, a.property());
        DatasetProperty p = DatasetProperty.named(a.property());
        c.put(p, storedValue(dataset, p, a.value()));
      }
    }
    for (Map.Entry<String, Map<DatasetProperty, String>> e : changes.entrySet()) {
      DatasetTable.Entry entry = table.byName(e.getKey());
      if (entry == null) {
        PoolRecord pool = table.pool();
        for (Map.Entry<DatasetProperty, String> c : e.getValue().entrySet()) {
          pool = pool.withProperty(c.getKey().id(), c.getValue());
        }
        savePool(pool);
      } else {
        updateRecord(
            entry,
            r -> {
              DatasetRecord out = r;
              for (Map.Entry<DatasetProperty, String> c : e.getValue().entrySet()) {
                out = out.withProperty(c.getKey().id(), c.getValue());
              }
              return out;
            });
      }
    }
  }

  /**
   * The local value {@code property} is to have on {@code dataset} after {@code zfs set
   * property=value} ({@code value} null: {@code zfs inherit}); null clears it.
   *
   * @throws io.strata.store.error.InvalidArgumentException, in zfs's words, for a value the
   *     property does not take, a quota below what the dataset uses, or an inherit of a property
   *     zfs does not inherit
   */
  private String storedValue(String dataset, DatasetProperty p, String value) throws IOException {
    if (value == null) {
      if (!p.inheritable()) {
        throw new io.strata.store.error.InvalidArgumentException(
            "'"
                + p.id()
                + "' property cannot be inherited; use 'zfs set "
                + p.id()
                + "=none' to clear");
      }
      return null;
    }
    String v = p.normalize(value);
    long quota = p == DatasetProperty.QUOTA ? DatasetProperty.quotaBytes(v) : 0;
    if (quota > 0) {
      // zfs set refuses a quota below what the dataset (or the pool) already uses
      DatasetTable t = table;
      DatasetTable.Entry e = t.byName(dataset);
      long used = 0;
      for (DatasetTable.Entry d : t.entries()) {
        if ((e == null && !DatasetTable.snapshotOnly(d.key())) || d == e) {
          used += ZfsListing.used(t, d, set::chunkSet, chunks::storedBytes);
        }
      }
      if (quota < used) {
        throw new io.strata.store.error.InvalidArgumentException(
            "cannot set property for '"
                + dataset
                + "': size is less than current used ("
                + DatasetProperty.niceBytes(used)
                + ")");
      }
    }
    // As in ZFS, where a quota is a number in the dataset and not a stored property, quota=none
    // clears it: the source is then default again.
    return p == DatasetProperty.QUOTA && quota == 0 ? null : v;
  }

  private static void readOnlyStatistic(String dataset, String property) {
    if (STATISTICS.contains(property)) {
      throw new io.strata.store.error.InvalidArgumentException(
          "cannot set property for '" + dataset + "': '" + property + "' is readonly");
    }
  }

  /**
   * Rewrites {@code e}'s dataset record, applied to the current record atomically with the record
   * updates that writes to its files make.
   */
  private void updateRecord(DatasetTable.Entry e, UnaryOperator<DatasetRecord> change)
      throws IOException {
    String key = e.key();
    set.update(
        key, s -> s.withExtension(change.apply(DatasetRecord.decode(s.extension(), key)).encode()));
    refresh();
  }

  // ---- zfs get/set/inherit ----

  /**
   * {@inheritDoc} Under the driver's lock, so that {@code get} of a comma list of properties (one
   * request) reads them from one state: a {@link #setAll} is seen whole or not at all.
   */
  @Override
  public synchronized List<Map<String, Object>> properties(
      String op, String property, String value, String name) throws IOException {
    String dataset = "snapshot".equals(op) && name != null ? name : datasetNamed(name);
    String p = property == null ? "all" : property;
    switch (op == null ? "" : op) {
      case "get", "show" -> {
        // get's value "parsable" is zfs get -p: sizes in bytes
        boolean exact = "get".equals(op) && "parsable".equals(value);
        List<PropertyValue> out = new ArrayList<>();
        // zfs get's comma list, each property in the order given
        for (String q : "show".equals(op) ? List.of("all") : List.of(p.split(",", -1))) {
          if (dataset.indexOf('@') >= 0) {
            out.addAll(snapshotProperties(dataset, q.equals("all") ? null : q, exact));
          } else {
            out.addAll(q.equals("all") ? list(dataset, exact) : List.of(get(dataset, q, exact)));
          }
        }
        return propertyRows(out);
      }
      case "set" -> {
        if (value == null) {
          throw new io.strata.store.error.InvalidArgumentException(
              "driver set " + p + ": a value is required");
        }
        set(dataset, p, value);
        return propertyRows(List.of(get(dataset, p)));
      }
      case "inherit" -> {
        inherit(dataset, p);
        return propertyRows(List.of(get(dataset, p)));
      }
      case "snapshot" -> {
        // zfs snapshot of a dataset (strata/<id>, or the snapshot key it backs); its name back
        if (name == null) {
          throw new io.strata.store.error.InvalidArgumentException(
              "driver snapshot: name the dataset's snapshot key");
        }
        String key = name.startsWith(DatasetTable.POOL + "/") ? table.byName(name).key() : name;
        Map<String, Object> row = new java.util.LinkedHashMap<>();
        row.put("name", snapshot(key));
        return List.of(row);
      }
      case "rollback" -> {
        // zfs rollback [-r] strata/<id>@<n>: name is the snapshot, property "r" for -r
        if (name == null) {
          throw new io.strata.store.error.InvalidArgumentException(
              "driver rollback: name a snapshot, strata/<id>@<n>");
        }
        rollback(name, "r".equals(property));
        Map<String, Object> row = new java.util.LinkedHashMap<>();
        row.put("name", name);
        return List.of(row);
      }
      default ->
          throw new io.strata.store.error.InvalidArgumentException(
              "driver.property: op '"
                  + op
                  + "' is not get, set, inherit, show, snapshot or rollback");
    }
  }

  /**
   * The dataset {@code name} names: itself ({@code strata...}), a snapshot key's; null: the pool.
   */
  private String datasetNamed(String name) {
    return name == null
        ? DatasetTable.POOL
        : name.equals(DatasetTable.POOL) || name.startsWith(DatasetTable.POOL + "/")
            ? name
            : dataset(name);
  }

  @Override
  public synchronized List<Map<String, Object>> setAll(
      List<PropertyAssignment> assignments, List<String> names) throws IOException {
    if (assignments.isEmpty()) {
      throw new io.strata.store.error.InvalidArgumentException(
          "driver set: give at least one PROPERTY=VALUE");
    }
    List<String> datasets = new ArrayList<>();
    for (String name :
        names.isEmpty() ? java.util.Collections.<String>singletonList(null) : names) {
      datasets.add(datasetNamed(name));
    }
    assign(datasets, assignments);
    List<PropertyValue> after = new ArrayList<>();
    for (String dataset : datasets) {
      for (PropertyAssignment a : assignments) {
        after.add(get(dataset, a.property()));
      }
    }
    return propertyRows(after);
  }

  private static List<Map<String, Object>> propertyRows(List<PropertyValue> values) {
    List<Map<String, Object>> out = new ArrayList<>();
    for (PropertyValue v : values) {
      Map<String, Object> row = new java.util.LinkedHashMap<>();
      row.put("name", v.dataset());
      row.put("property", v.property());
      row.put("value", v.value());
      row.put("source", v.source());
      out.add(row);
    }
    return out;
  }

  /** Files are cut into records of the pool's {@code recordsize}, as new layers inherit it. */
  @Override
  public ContentCut contentCut(ChunkerParams chunker) {
    return new ContentCut.Records(table.settings(null).recordSize());
  }
}
