package io.strata.driver.btrfs;

import io.strata.store.digest.Digest;
import io.strata.store.driver.DriverContext;
import io.strata.store.driver.Snapshot;
import io.strata.store.driver.SnapshotInfo;
import io.strata.store.driver.SnapshotSet;
import io.strata.store.driver.SnapshotSetDriver;
import io.strata.store.error.InvalidArgumentException;
import io.strata.store.fs.FileStat;
import io.strata.store.fs.TreeFileSystem;
import io.strata.store.tree.ChunkNodeStore;
import io.strata.store.tree.CowTree;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Supplier;
import org.roaringbitmap.RoaringBitmap;

/**
 * The Btrfs-like driver: each snapshot is a subvolume ({@link Subvolume}) and each file an extent
 * list ({@link ExtentLayout}); containerd's snapshot semantics come from {@link SnapshotSet}. See
 * {@code docs/drivers/btrfs.md} for what is modelled and where it departs from kernel Btrfs.
 */
public final class BtrfsDriver extends SnapshotSetDriver
    implements Reflinker, Subvolumes, io.strata.store.driver.NativeProperties {
  /** The driver's name. */
  public static final String NAME = "btrfs";

  private static final System.Logger LOG = System.getLogger(BtrfsDriver.class.getName());

  /** The type of content items in the file system's tree keys ({@code u64 ino u8 type u64 n}). */
  private static final byte DATA_ITEM = 5;

  private final DriverContext context;
  private final Counters counters;
  private final SnapshotSet set;

  BtrfsDriver(DriverContext context, Supplier<UUID> uuids) throws IOException {
    this.context = context;
    this.counters = Counters.open(context.metadataDir());
    this.set = new SnapshotSet(context, new SubvolumeModel(counters, uuids, context.clock()));
    for (Snapshot s : set.all().values()) {
      counters.observe(Subvolume.decode(s.extension(), s.key()));
    }
    set.recoverIntentLogs(); // a replay commits: after the counters know every subvolume
    LOG.log(
        System.Logger.Level.INFO,
        "btrfs driver: {0} subvolumes, generation {1}",
        set.all().size(),
        counters.generation());
  }

  @Override
  protected SnapshotSet set() {
    return set;
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public SnapshotInfo prepare(String key, String parent, Map<String, String> labels)
      throws IOException {
    SnapshotInfo made = set.prepare(key, parent, labels);
    snapshotted(parent, key);
    return made;
  }

  @Override
  public SnapshotInfo view(String key, String parent, Map<String, String> labels)
      throws IOException {
    SnapshotInfo made = set.view(key, parent, labels);
    snapshotted(parent, key);
    return made;
  }

  /** As {@code btrfs subvolume snapshot -r} of the source, which gives the source its gen. */
  @Override
  public SnapshotInfo frozenView(String key, String source) throws IOException {
    SnapshotInfo made = set.copy(key, source, io.strata.store.driver.Kind.VIEW, Map.of());
    snapshotted(source, key);
    return made;
  }

  /**
   * The transaction that made snapshot {@code dest} of {@code source} (null: none) also gave the
   * source its number as gen, as Btrfs's snapshot commit copies the source's root. A second record
   * update: a crash between the two leaves the source's gen behind, which nothing depends on.
   */
  private void snapshotted(String source, String dest) throws IOException {
    if (source == null) {
      return;
    }
    long gen = subvolume(dest).createdGeneration();
    set.update(
        source,
        s -> s.withExtension(Subvolume.decode(s.extension(), s.key()).snapshotted(gen).encode()));
  }

  @Override
  public long sync() {
    return counters.sync(context.clock().getAsLong());
  }

  @Override
  public void remove(String key) throws IOException {
    set.get(key);
    // The record about to go may hold the highest id or generation: keep them first.
    counters.persist();
    set.remove(key);
  }

  @Override
  public SnapshotInfo snapshot(String source, String dest, boolean readOnly) throws IOException {
    return snapshot(source, dest, readOnly, Map.of());
  }

  /**
   * The label that marks a subvolume made by {@code strata driver snapshot}: only those can be
   * deleted with {@code strata driver delete}, so the command never takes away an image layer or a
   * container that Strata's own records name.
   */
  static final String USER_SNAPSHOT = "strata.driver/snapshot";

  private SnapshotInfo snapshot(
      String source, String dest, boolean readOnly, Map<String, String> labels) throws IOException {
    SnapshotInfo made =
        set.copy(
            dest,
            source,
            readOnly ? io.strata.store.driver.Kind.VIEW : io.strata.store.driver.Kind.ACTIVE,
            labels);
    snapshotted(source, dest);
    return made;
  }

  @Override
  public void delete(String key) throws IOException {
    set.get(key);
    counters.persist();
    set.removeKeepingChildren(key);
  }

  /**
   * Subvolume {@code key}: id, generation, parent links, as {@code btrfs subvolume show} would show
   * them now (gen is that of the last committed transaction that changed it).
   */
  public Subvolume subvolume(String key) {
    Snapshot s = set.get(key);
    return Subvolume.decode(s.extension(), s.key())
        .visible(counters.committed(context.clock().getAsLong()));
  }

  /** One entry per subvolume, ordered by id; see {@link SubvolumeList} for the keys. */
  @Override
  public List<Map<String, Object>> nativeListing() {
    List<Subvolume> all = new ArrayList<>();
    Map<String, java.time.Instant> made = new java.util.HashMap<>();
    long committed = counters.committed(context.clock().getAsLong());
    for (Snapshot s : set.all().values()) {
      all.add(Subvolume.decode(s.extension(), s.key()).visible(committed));
      made.put(s.key(), s.created());
    }
    return SubvolumeList.entries(all, made);
  }

  @Override
  public void reflink(String key, String srcPath, String dstPath) throws IOException {
    TreeFileSystem fs = (TreeFileSystem) set.fs(key);
    // Holding the file system's write lock keeps the source's extents current between reading
    // them and installing them at the destination.
    fs.exclusively(
        () -> {
          FileStat src = fs.stat(srcPath);
          if (!src.isRegular()) {
            throw new InvalidArgumentException("reflink " + srcPath + ": not a regular file");
          }
          ExtentList extents = ExtentLayout.capture(fs, srcPath);
          fs.writeFile(
              dstPath,
              extents,
              src.permissions(),
              src.uid(),
              src.gid(),
              context.clock().getAsLong());
        });
  }

  /**
   * Pack bytes of data chunks only {@code key} holds, as {@code btrfs filesystem du} counts
   * exclusive data: chunks of the extents that differ from its parent's and that no other root
   * references. {@link #usage} adds the tree nodes to this; the difference is metadata. Costs in
   * proportion to the change since the parent.
   */
  public long dataExclusiveBytes(String key) throws IOException {
    set.syncForFigures(key);
    Snapshot s = set.get(key);
    ChunkNodeStore nodes = new ChunkNodeStore(context.chunks(), null);
    CowTree after = new CowTree(nodes, context.nodeCache(), s.treeRoot());
    RoaringBitmap data = new RoaringBitmap();
    CowTree.DiffVisitor collect =
        (k, was, now) -> {
          if (now != null && k.length == 17 && k[8] == DATA_ITEM) {
            ByteBuffer b = ByteBuffer.wrap(k);
            Extent e = Extent.decode(now, b.getLong(0), b.getLong(9));
            int id = context.chunks().idOf(e.chunk());
            if (id >= 0) {
              data.add(id);
            }
          }
        };
    if (s.parent() == null) {
      for (CowTree.Entry e : after.scan(new byte[0], null)) {
        collect.changed(e.key(), null, e.value());
      }
    } else {
      Digest parentRoot = set.get(s.parent()).treeRoot();
      CowTree.diff(new CowTree(nodes, context.nodeCache(), parentRoot), after, collect);
    }
    data.and(set.chunkSet(key));
    data.andNot(context.chunks().referencedExcept(Snapshot.rootName(key)));
    return context.chunks().storedBytes(data);
  }

  /**
   * {@code btrfs filesystem du -s --raw} of subvolume {@code key}: total, exclusive and set-shared
   * bytes of its files' extents, as btrfs-progs computes them (see {@link FilesystemDu}). Reads
   * every subvolume's tree; changes made meanwhile may or may not be counted.
   */
  public FilesystemDu.Usage filesystemDu(String key) throws IOException {
    set.syncForFigures(key);
    Snapshot s = set.get(key);
    RoaringBitmap elsewhere = new RoaringBitmap();
    for (Snapshot o : set.all().values()) {
      if (!o.key().equals(key)) {
        elsewhere.or(
            io.strata.store.fs.TreeFileSystem.referencedChunks(
                context.chunks(), context.nodeCache(), o.treeRoot()));
      }
    }
    for (io.strata.store.ref.Root r : context.chunks().roots("")) {
      if (!r.name().startsWith("snap/")) {
        elsewhere.or(r.chunks());
      }
    }
    return FilesystemDu.of(context.chunks(), context.nodeCache(), s.treeRoot(), elsewhere);
  }

  // ---- btrfs property get, btrfs subvolume show ----

  /**
   * The subvolume {@code btrfs subvolume snapshot SOURCE DEST} makes of a DEST given as a path in
   * the top level ({@code ./mine} is {@code mine}, as btrfs-progs reads it from the top level's
   * directory): every subvolume here is in the top level, so a DEST in a directory is refused.
   */
  private static String topLevelName(String dest) {
    String name = withoutDotSlash(dest);
    if (name.isEmpty() || name.equals(".") || name.equals("..") || name.contains("/")) {
      throw new InvalidArgumentException(
          "driver snapshot: DEST '"
              + dest
              + "' is not a subvolume name in the top level (every subvolume is there; give a"
              + " name without '/')");
    }
    return name;
  }

  /** {@code name} without its leading {@code ./} (any number of them). */
  private static String withoutDotSlash(String name) {
    String n = name;
    while (n.startsWith("./")) {
      n = n.substring(2);
    }
    return n;
  }

  /**
   * Refused as {@code properties("set", ...)} is: btrfs-sim keeps {@code ro} itself; a property
   * other than {@code ro} is named as unknown first, as {@code get} names it.
   */
  @Override
  public List<Map<String, Object>> setAll(
      List<io.strata.store.driver.PropertyAssignment> assignments, List<String> names)
      throws IOException {
    if (names.isEmpty()) {
      throw new InvalidArgumentException("driver set: name a subvolume (a snapshot key)");
    }
    for (io.strata.store.driver.PropertyAssignment a : assignments) {
      if (!a.property().equals("ro")) {
        throw new InvalidArgumentException(
            "driver set " + a.property() + ": btrfs subvolumes have the property ro only");
      }
    }
    for (String name : names) {
      subvolume(withoutDotSlash(name)); // an unknown one is named first, as get and show name it
    }
    return properties(
        "set", assignments.isEmpty() ? null : assignments.get(0).property(), null, names.get(0));
  }

  @Override
  public List<Map<String, Object>> properties(
      String op, String property, String value, String given) throws IOException {
    // ./NAME is NAME wherever a subvolume is named, as btrfs-progs reads a path in the top level
    String name = given == null ? null : withoutDotSlash(given);
    if ("sync".equals(op)) {
      Map<String, Object> row = new java.util.LinkedHashMap<>();
      row.put("generation", sync());
      return List.of(row);
    }
    if ("snapshot".equals(op)) {
      // btrfs subvolume snapshot [-r] SOURCE DEST: name is the source, value the destination
      if (name == null || value == null) {
        throw new InvalidArgumentException(
            "driver snapshot: btrfs needs a source and a destination subvolume");
      }
      String dest = topLevelName(value);
      snapshot(name, dest, "ro".equals(property), Map.of(USER_SNAPSHOT, "true"));
      return List.of(properties("show", null, null, dest).get(0));
    }
    if ("delete".equals(op)) {
      if (name == null) {
        throw new InvalidArgumentException("driver delete: name a subvolume");
      }
      if (!"true".equals(set.get(name).labels().get(USER_SNAPSHOT))) {
        throw new io.strata.store.error.ConflictException(
            "driver delete "
                + name
                + ": not made by strata driver snapshot (an image layer or a container of"
                + " Strata's; strata rmi or strata rm remove those)");
      }
      Map<String, Object> row = new java.util.LinkedHashMap<>();
      row.put("Delete subvolume", name);
      delete(name);
      return List.of(row);
    }
    if (name == null) {
      throw new InvalidArgumentException("driver " + op + ": name a subvolume (a snapshot key)");
    }
    Subvolume s = subvolume(name);
    switch (op == null ? "" : op) {
      case "get" -> {
        String p = property == null ? "all" : property;
        if (!p.equals("ro") && !p.equals("all")) {
          throw new InvalidArgumentException(
              "driver get " + p + ": btrfs subvolumes have the property ro only");
        }
        Map<String, Object> row = new java.util.LinkedHashMap<>();
        row.put("name", name);
        row.put("property", "ro");
        row.put("value", Boolean.toString(s.readOnly()));
        row.put("source", "-");
        return List.of(row);
      }
      case "set", "inherit" ->
          // a well-formed request the model refuses: an operation that failed (exit 1), not usage
          throw new io.strata.store.error.ConflictException(
              "driver "
                  + op
                  + " on subvolume "
                  + name
                  + ": btrfs-sim keeps ro as containerd does (commit makes a snapshot read-only)");
      case "show" -> {
        Map<String, Object> row = new java.util.LinkedHashMap<>();
        row.put("path", s.path());
        row.put("Name", s.path());
        row.put("UUID", s.uuid().toString());
        row.put("Parent UUID", s.parentUuid() == null ? "-" : s.parentUuid().toString());
        row.put("Received UUID", "-");
        row.put("Creation time", set.get(name).created().toString());
        row.put("Subvolume ID", s.id());
        row.put("Generation", s.generation());
        row.put("Gen at creation", s.createdGeneration());
        row.put("Parent ID", Subvolume.TOP_LEVEL);
        row.put("Top level ID", Subvolume.TOP_LEVEL);
        row.put("Flags", s.readOnly() ? "readonly" : "-");
        List<String> snapshots = new ArrayList<>();
        for (Snapshot o : set.all().values()) {
          Subvolume v = Subvolume.decode(o.extension(), o.key());
          if (s.uuid().equals(v.parentUuid())) {
            snapshots.add(v.path());
          }
        }
        row.put("Snapshot(s)", snapshots);
        // As btrfs subvolume show prints a subvolume's qgroup: every byte it references, data and
        // tree nodes, and those only it references (what deleting it frees).
        io.strata.store.driver.Usage u = usage(name);
        row.put("Quota group", "0/" + s.id());
        row.put("Limit referenced", "-");
        row.put("Limit exclusive", "-");
        row.put("Usage referenced", u.exclusiveBytes() + u.sharedBytes());
        row.put("Usage exclusive", u.exclusiveBytes());
        return List.of(row);
      }
      case "du" -> {
        FilesystemDu.Usage du = filesystemDu(name);
        Map<String, Object> row = new java.util.LinkedHashMap<>();
        row.put("Total", du.total());
        row.put("Exclusive", du.exclusive());
        row.put("Set shared", du.setShared());
        row.put("Filename", name);
        return List.of(row);
      }
      default ->
          throw new InvalidArgumentException(
              "driver.property: op '"
                  + op
                  + "' is not get, set, inherit, show, du, sync, snapshot or delete");
    }
  }

  /** Nothing to release: every change was durable when its call returned. */
  @Override
  public void close() {
    // Access times reads set are written now, as they would be before an unmount.
    for (TreeFileSystem fs : set.opened()) {
      fs.flushAccessTimes();
    }
  }
}
