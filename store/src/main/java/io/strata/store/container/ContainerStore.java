package io.strata.store.container;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.strata.store.Engine;
import io.strata.store.disk.RemovalSpace;
import io.strata.store.driver.Change;
import io.strata.store.driver.ChangeSpool;
import io.strata.store.driver.ChangeStream;
import io.strata.store.driver.Snapshot;
import io.strata.store.driver.StorageDriver;
import io.strata.store.engine.ChunkStore;
import io.strata.store.error.AlreadyExistsException;
import io.strata.store.error.ConflictException;
import io.strata.store.error.CorruptDataException;
import io.strata.store.error.InvalidArgumentException;
import io.strata.store.error.NotFoundException;
import io.strata.store.fs.FileStat;
import io.strata.store.fs.FileSystemView;
import io.strata.store.fs.HeldUnlinked;
import io.strata.store.fs.PathNames;
import io.strata.store.image.ImageDetails;
import io.strata.store.image.ImageStore;
import io.strata.store.volume.HostDirectory;
import io.strata.store.volume.VolumeStore;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;
import java.util.random.RandomGenerator;
import java.util.regex.Pattern;

/**
 * The containers of a data root: what {@code strata create|ps|rm|diff|commit|export|cp|fs} call. A
 * container is a writable driver snapshot {@code ctr-<id>} of its image's top layer (made in
 * constant time, whatever the image's size) plus its config in {@code DATA/containers/<id>/}; the
 * config is written only once the snapshot and volumes exist, and is the commit point: after a
 * crash, {@link ContainerStore} removes snapshots without one. Volumes live in the {@link
 * VolumeStore} this store makes, and a container's mounts route paths into them or into bind
 * sources under the allowed roots ({@link #view}).
 *
 * <p>Creation and removal are serialized with the volume store (its monitor), so a volume is never
 * removed while a container that mounts it is being made.
 */
public final class ContainerStore {
  private static final System.Logger LOG = System.getLogger(ContainerStore.class.getName());

  static final String SNAPSHOT_PREFIX = "ctr-";
  private static final Pattern NAME = Pattern.compile("[a-zA-Z0-9][a-zA-Z0-9_.-]+");
  private static final Pattern ID = Pattern.compile("[0-9a-f]{64}");
  private static final ObjectMapper CONFIG_JSON = new ObjectMapper();

  private final StorageDriver driver;
  private final ImageStore images;
  private final ContainerRecords records;
  private final VolumeStore volumes;
  private final List<Path> allowedBindRoots;
  private final Path dataRoot; // real path: no bind source may overlap it
  private final Path tmpDir;
  private final RandomGenerator random;
  private final Clock clock;
  private final Map<String, ContainerConfig> containers = new ConcurrentHashMap<>();
  private final ContainerLocks locks = new ContainerLocks();

  /**
   * The containers and volumes under {@code dataRoot} ({@code containers/}, {@code volumes/},
   * {@code tmp/}), their writable layers in {@code driver}, made from {@code images}. Bind mounts
   * are allowed only from under {@code allowedBindRoots}. {@code random} makes ids, {@code clock}
   * creation times. Clears what a crash left before returning.
   */
  public ContainerStore(
      StorageDriver driver,
      ImageStore images,
      Path dataRoot,
      List<Path> allowedBindRoots,
      RandomGenerator random,
      Clock clock)
      throws IOException {
    this.driver = driver;
    this.images = images;
    this.records = new ContainerRecords(dataRoot.resolve("containers"));
    this.tmpDir = dataRoot.resolve("tmp");
    this.random = random;
    this.clock = clock;
    List<Path> roots = new ArrayList<>();
    for (Path p : allowedBindRoots) {
      if (Files.isDirectory(p)) {
        roots.add(p.toRealPath());
      }
    }
    this.allowedBindRoots = List.copyOf(roots);
    this.dataRoot = dataRoot.toRealPath();
    containers.putAll(records.load());
    this.volumes = new VolumeStore(dataRoot.resolve("volumes"), this::volumeUsers, random);
    List<String> orphans = new ArrayList<>();
    driver.walk(
        s -> {
          if (s.key().startsWith(SNAPSHOT_PREFIX)
              && !containers.containsKey(s.key().substring(SNAPSHOT_PREFIX.length()))) {
            orphans.add(s.key());
          }
        });
    for (String k : orphans) {
      try {
        driver.remove(k);
      } catch (IOException | RuntimeException e) {
        // An orphan holds only chunks: the data root opens without its removal (a full disk,
        // after a commit that failed on it left its frozen view: the server did not start, AT3),
        // and the next start tries again.
        LOG.log(
            System.Logger.Level.WARNING,
            "snapshot {0}: left by a container operation that did not finish; not removed now,"
                + " the next start tries again: {1}",
            k,
            e.getMessage());
      }
    }
  }

  /** The containers of an open data root, with the server's {@code --allow-bind} directories. */
  public static ContainerStore open(Engine engine, ImageStore images, List<Path> allowedBindRoots)
      throws IOException {
    return new ContainerStore(
        engine.storage(),
        images,
        engine.dataRoot(),
        allowedBindRoots,
        new SecureRandom(),
        Clock.systemUTC());
  }

  /** The volumes, named and anonymous. */
  public VolumeStore volumes() {
    return volumes;
  }

  static boolean isId(String s) {
    return ID.matcher(s).matches();
  }

  // ---- create ----

  /**
   * Creates a container of image {@code imageRef} named {@code name} (null: a generated name) with
   * {@code mounts} (from {@link Mount#ofVolumeFlag} and {@link Mount#ofMountFlag}) and an anonymous
   * volume for each {@code VOLUME} of the image no mount has as its target; missing named volumes
   * are created, and a new or empty volume over a directory of the image starts with a copy of it
   * ({@link VolumeFill}), unless {@code nocopy}. Returns its 64-hex id.
   */
  public String create(String imageRef, String name, List<Mount> mounts) throws IOException {
    return create(imageRef, name, mounts, ContainerSettings.NONE);
  }

  /** As {@link #create(String, String, List)}, with {@code settings} (environment, labels, ...). */
  public String create(String imageRef, String name, List<Mount> mounts, ContainerSettings settings)
      throws IOException {
    images.fetchIfMissing(imageRef);
    String imageId = images.resolve(imageRef);
    ImageDetails image = images.inspect(imageId);
    List<Mount> all = withImageVolumes(checkMounts(mounts), imageRef, image);
    String id = newId();
    String n = name == null || name.isEmpty() ? "strata_" + id.substring(0, 12) : name;
    if (!NAME.matcher(n).matches()) {
      throw new InvalidArgumentException(
          "container name '" + n + "' is invalid: use [a-zA-Z0-9][a-zA-Z0-9_.-]+");
    }
    synchronized (volumes) {
      if (containers.values().stream().anyMatch(c -> c.name().equals(n))) {
        throw new AlreadyExistsException("container name " + n + " is already in use");
      }
      List<String> madeVolumes = new ArrayList<>();
      String key = SNAPSHOT_PREFIX + id;
      boolean prepared = false;
      List<VolumeStore.Staged> staged = new ArrayList<>();
      try {
        driver.prepare(key, image.topLayer(), Map.of("strata.container", id));
        prepared = true;
        FileSystemView fs = driver.fs(key);
        // First every copy from the image, into staged directories nobody sees: one that fails
        // leaves no volume made or filled. Then the volumes, each made or filled by one rename.
        Set<String> inUse = volumesInUse();
        List<VolumeStore.Staged> contents = new ArrayList<>();
        for (Mount m : all) {
          VolumeStore.Staged content = null;
          if (m.type().equals(Mount.VOLUME) && fills(m, fs, inUse)) {
            content = volumes.stage();
            staged.add(content);
            fill(fs, m, content);
          }
          contents.add(content);
        }
        List<Mount> kept = new ArrayList<>();
        for (int i = 0; i < all.size(); i++) {
          Mount m = all.get(i);
          VolumeStore.Staged content = contents.get(i);
          if (m.type().equals(Mount.BIND)) {
            kept.add(m);
          } else if (m.source().isEmpty()) {
            String v = volumes.createAnonymous(content).name();
            madeVolumes.add(v);
            kept.add(m.named(v));
          } else {
            if (!volumes.exists(m.source())) {
              volumes.create(m.source(), content);
              madeVolumes.add(m.source());
            } else if (content != null) {
              volumes.fillIfEmpty(m.source(), content);
            }
            kept.add(m);
          }
        }
        kept = resolveTargets(fs, kept);
        makeTargets(fs, kept);
        ContainerConfig c =
            new ContainerConfig(
                id,
                n,
                imageRef,
                imageId,
                image.topLayer(),
                Instant.now(clock).toString(),
                kept,
                settings);
        records.put(c);
        containers.put(id, c);
        return id;
      } catch (IOException | RuntimeException e) {
        undoCreate(e, key, prepared, madeVolumes);
        throw e;
      } finally {
        for (VolumeStore.Staged st : staged) {
          st.close(); // deletes what no volume took
        }
      }
    }
  }

  /**
   * {@code mounts} and, for each {@code VOLUME} of the image's config that no mount has as its
   * target, an anonymous volume there, as {@code docker create} adds them.
   */
  private static List<Mount> withImageVolumes(
      List<Mount> mounts, String imageRef, ImageDetails image) {
    Set<String> targets = new HashSet<>();
    for (Mount m : mounts) {
      targets.add(m.target());
    }
    List<Mount> out = new ArrayList<>(mounts);
    for (String path : imageVolumes(imageRef, image)) {
      Mount m;
      try {
        m = new Mount(Mount.VOLUME, "", path, false, true);
      } catch (InvalidArgumentException e) {
        throw new InvalidArgumentException(
            "image " + imageRef + " declares VOLUME " + path + ": " + e.getMessage(), e);
      }
      if (targets.add(m.target())) {
        out.add(m);
      }
    }
    return out;
  }

  /** The paths of the image config's {@code Volumes}, sorted. */
  private static List<String> imageVolumes(String imageRef, ImageDetails image) {
    if (image.config() == null) {
      return List.of();
    }
    JsonNode volumes;
    try {
      volumes = CONFIG_JSON.readTree(image.config()).path("config").path("Volumes");
    } catch (IOException e) {
      throw new CorruptDataException(
          "image " + imageRef + ": its config is not JSON", image.id(), e);
    }
    List<String> out = new ArrayList<>();
    volumes.fieldNames().forEachRemaining(out::add);
    out.sort(null);
    return out;
  }

  /**
   * Whether mount {@code m}'s volume is filled from the image, as Docker fills it: unless {@code
   * nocopy}, when the image has a directory at the target and the volume is new, or exists empty
   * and no container mounts it (a volume some container may be writing into is left alone).
   */
  private boolean fills(Mount m, FileSystemView fs, Set<String> inUse) throws IOException {
    if (m.noCopy() || !VolumeFill.isDirectory(fs, m.target())) {
      return false;
    }
    if (m.source().isEmpty() || !volumes.exists(m.source())) {
      return true;
    }
    return !inUse.contains(m.source()) && volumes.isEmpty(m.source());
  }

  private static void fill(FileSystemView fs, Mount m, VolumeStore.Staged content)
      throws IOException {
    String volume = m.source().isEmpty() ? "the anonymous volume" : "volume " + m.source();
    try {
      VolumeFill.copy(fs, m.target(), content);
    } catch (IOException | RuntimeException e) {
      String why =
          "filling "
              + volume
              + " at "
              + m.target()
              + " with the image's files failed: "
              + e.getMessage()
              + " (nocopy leaves a new volume empty)";
      if (e instanceof IOException) {
        throw new IOException(why, e);
      }
      throw new ConflictException(why, e);
    }
  }

  private void undoCreate(Exception e, String key, boolean prepared, List<String> madeVolumes) {
    try {
      if (prepared) {
        driver.remove(key);
      }
      for (String v : madeVolumes) {
        volumes.remove(v);
      }
    } catch (IOException | RuntimeException cleanup) {
      e.addSuppressed(cleanup);
    }
  }

  /**
   * Checks targets are unique and bind sources exist under an allowed root (kept as real paths).
   */
  private List<Mount> checkMounts(List<Mount> mounts) throws IOException {
    Set<String> targets = new HashSet<>();
    List<Mount> out = new ArrayList<>();
    for (Mount m : mounts) {
      if (!targets.add(m.target())) {
        throw new InvalidArgumentException("duplicate mount point: " + m.target());
      }
      if (m.type().equals(Mount.BIND)) {
        Path src = Path.of(m.source());
        if (!Files.exists(src)) {
          throw new NotFoundException("bind source path " + m.source() + " does not exist");
        }
        Path real = src.toRealPath();
        if (!Files.isDirectory(real, LinkOption.NOFOLLOW_LINKS)) {
          throw new InvalidArgumentException(
              "bind source " + m.source() + " is not a directory; only directories can be bound");
        }
        allowedBind(real, m.source());
        out.add(new Mount(Mount.BIND, real.toString(), m.target(), m.readOnly(), false));
      } else {
        out.add(m);
      }
    }
    return out;
  }

  /**
   * Refuses a bind source outside every {@code --allow-bind} directory, and one inside the data
   * root or holding it: through such a mount a client could rewrite the store's own files (its
   * roots log, its packs), which only the server may touch.
   */
  private void allowedBind(Path real, String given) {
    if (real.startsWith(dataRoot) || dataRoot.startsWith(real)) {
      throw new ConflictException(
          "bind source "
              + given
              + (real.startsWith(dataRoot) ? " lies inside" : " holds")
              + " the server's data root "
              + dataRoot
              + "; a container may not reach the store's own files");
    }
    for (Path root : allowedBindRoots) {
      if (real.startsWith(root)) {
        return;
      }
    }
    throw new ConflictException(
        "bind source "
            + given
            + " is not under a directory the server allows (--allow-bind "
            + (allowedBindRoots.isEmpty() ? "is not set" : allowedBindRoots)
            + ")");
  }

  /**
   * Docker's {@code -v HOSTDIR:/ctr}: a bind source that does not exist is made, as dockerd makes
   * it for the short form ({@code --mount type=bind} refuses it, and so does {@link #create}), with
   * mode 0755 as dockerd's {@code MkdirAllAndChown(0o755)} gives it, owned by the server's user.
   * Made only under an {@code --allow-bind} directory, checked before anything is made, and only
   * when the directory that exists on its way is reached without a symlink: the new names must be
   * where the check looked. Nothing else: an existing source, or a volume, is left to {@link
   * #create}.
   */
  public void makeMissingBindSource(Mount m) throws IOException {
    if (!m.type().equals(Mount.BIND)) {
      return;
    }
    Path given = Path.of(m.source());
    Path src = given.normalize();
    if (Files.exists(src, LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    for (Path part : given) {
      if (part.toString().equals("..")) {
        // the kernel takes ".." after a symlink from the symlink's target, which the text's
        // normalizing does not: what would be made is not what the checks look at (V6)
        throw new InvalidArgumentException(
            "bind source "
                + m.source()
                + " does not exist, and a path with '..' is not made; give the path without"
                + " '..'");
      }
    }
    Path there = src.getParent();
    while (there != null && !Files.exists(there, LinkOption.NOFOLLOW_LINKS)) {
      there = there.getParent();
    }
    if (there == null || !there.toRealPath().equals(there)) {
      throw new ConflictException(
          "bind source "
              + m.source()
              + " does not exist and "
              + there
              + " on its way is reached through a symlink; create it, or give its real path");
    }
    allowedBind(src, m.source());
    if (!Files.isDirectory(there, LinkOption.NOFOLLOW_LINKS)) {
      throw new ConflictException(
          "bind source " + m.source() + " cannot be made: " + there + " is not a directory");
    }
    Files.createDirectories(src);
    // set, not asked at creation, which the server's umask would narrow
    for (Path p = src; !p.equals(there); p = p.getParent()) {
      Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
    }
  }

  private String newId() {
    byte[] b = new byte[32];
    while (true) {
      random.nextBytes(b);
      String id = HexFormat.of().formatHex(b);
      boolean prefixTaken =
          containers.keySet().stream().anyMatch(k -> k.startsWith(id.substring(0, 12)));
      if (!prefixTaken) {
        return id;
      }
    }
  }

  // ---- queries ----

  /**
   * The container {@code ref} names: its full id, its name, or a unique prefix of its id (as
   * Docker, in that order).
   */
  public ContainerConfig inspect(String ref) {
    ContainerConfig c = containers.get(ref);
    if (c != null) {
      return c;
    }
    for (ContainerConfig x : containers.values()) {
      if (x.name().equals(ref)) {
        return x;
      }
    }
    List<ContainerConfig> hits = new ArrayList<>();
    if (!ref.isEmpty() && ref.matches("[0-9a-f]+")) {
      for (ContainerConfig x : containers.values()) {
        if (x.id().startsWith(ref)) {
          hits.add(x);
        }
      }
    }
    if (hits.size() > 1) {
      throw new InvalidArgumentException("container id prefix " + ref + " is ambiguous");
    }
    if (hits.isEmpty()) {
      throw new NotFoundException("container " + ref + " not found");
    }
    return hits.get(0);
  }

  /** Every container, newest first, with the sizes {@code strata ps} shows. */
  public List<ContainerSummary> list() throws IOException {
    // VIRTUAL is logical: the written bytes plus the image's uncompressed layers, as docker's
    Map<String, Long> imageSizes = images.logicalSizes();
    List<ContainerSummary> out = new ArrayList<>();
    for (ContainerConfig c : containers.values()) {
      long size;
      long exclusive;
      try {
        size = driver.written(c.snapshot());
        exclusive = driver.usage(c.snapshot()).exclusiveBytes();
      } catch (NotFoundException removed) {
        continue; // removed since the listing began
      }
      out.add(
          new ContainerSummary(
              c.id(),
              c.name(),
              c.image(),
              c.imageId(),
              c.created(),
              size,
              size + imageSizes.getOrDefault(c.imageId(), 0L),
              exclusive));
    }
    out.sort(
        Comparator.comparing(ContainerSummary::created)
            .reversed()
            .thenComparing(ContainerSummary::id));
    return out;
  }

  /**
   * What a user calls the root of each container's writable layer: {@code container NAME (ID12)},
   * as {@code strata ps} shows it. fsck names damage by it.
   */
  public Map<String, List<String>> rootNames() {
    Map<String, List<String>> out = new HashMap<>();
    for (ContainerConfig c : containers.values()) {
      out.put(Snapshot.rootName(c.snapshot()), List.of(userName(c)));
    }
    return out;
  }

  /** {@code container NAME (ID12)}: a container as {@code strata ps} shows it. */
  private static String userName(ContainerConfig c) {
    return "container " + c.name() + " (" + c.id().substring(0, 12) + ")";
  }

  /**
   * The containers made from image {@code imageId}, as {@link #userName} says them (sorted, so a
   * refusal reads the same each time): what image rm names when it refuses.
   */
  public List<String> imageUsers(String imageId) {
    return containers.values().stream()
        .filter(c -> c.imageId().equals(imageId))
        .map(ContainerStore::userName)
        .sorted()
        .toList();
  }

  /** Whether a container was made from image {@code imageId}: the predicate image rm needs. */
  public boolean usesImage(String imageId) {
    return containers.values().stream().anyMatch(c -> c.imageId().equals(imageId));
  }

  /**
   * The containers row of {@code strata system df}. Size adds up what each writable layer holds
   * exclusively ({@code ps} SIZE); reclaimable is what removing every container (none runs) and a
   * gc would free, judged over the writable layers as a whole in {@code chunks}, the store the
   * driver keeps its snapshots in: a chunk a commit, an image or a volume also references stays,
   * one only containers share goes with them.
   */
  public ContainerDiskUsage diskUsage(ChunkStore chunks) throws IOException {
    long size = 0;
    int total = 0;
    Set<String> snapshots = new HashSet<>();
    for (ContainerConfig c : containers.values()) {
      try {
        size += driver.written(c.snapshot());
        snapshots.add(Snapshot.rootName(c.snapshot()));
        total++;
      } catch (NotFoundException removed) {
        // removed since the listing began
      }
    }
    RemovalSpace freed = RemovalSpace.of(chunks, snapshots::contains);
    return new ContainerDiskUsage(total, 0, size, freed.reclaimable());
  }

  /** Names of the volumes some container mounts. */
  private Set<String> volumesInUse() {
    return volumeUsers().keySet();
  }

  /** Each volume some container mounts, with those containers as {@link #userName} says them. */
  private Map<String, List<String>> volumeUsers() {
    Map<String, List<String>> out = new HashMap<>();
    for (ContainerConfig c : containers.values()) {
      for (Mount m : c.mounts()) {
        if (m.type().equals(Mount.VOLUME)) {
          out.computeIfAbsent(m.source(), k -> new ArrayList<>()).add(userName(c));
        }
      }
    }
    out.values().forEach(l -> l.sort(null));
    return out;
  }

  // ---- the file system ----

  /** The container's file system, its mounts routed to their host directories. */
  public ContainerView view(String ref) {
    ContainerConfig c = inspect(ref);
    Map<String, HostDirectory> mounts = new LinkedHashMap<>();
    for (Mount m : c.mounts()) {
      mounts.put(m.resolvedTarget(), directory(m));
    }
    return new ContainerView(driver.fs(c.snapshot()), mounts, userName(c));
  }

  /** The host directory mount {@code m} routes its target to. */
  private HostDirectory directory(Mount m) {
    if (m.type().equals(Mount.VOLUME)) {
      return volumes.directory(m.source(), m.readOnly());
    }
    Path src = Path.of(m.source());
    allowedBind(src, m.source());
    return new HostDirectory(src, m.readOnly(), "bind mount " + m.source());
  }

  /**
   * {@code mounts}, each at its target resolved through the symlinks on its way ({@link
   * ContainerView#resolveMountTarget}), in the order runc mounts them (Docker sorts them by depth,
   * the fewest names first): a link in an outer mount's directory counts.
   */
  private List<Mount> resolveTargets(FileSystemView fs, List<Mount> mounts) throws IOException {
    List<Mount> byDepth = new ArrayList<>(mounts);
    byDepth.sort(Comparator.comparingInt(m -> PathNames.split(m.target()).size()));
    Map<Mount, Mount> resolved = new HashMap<>();
    Map<String, HostDirectory> placed = new LinkedHashMap<>();
    Map<String, String> placedBy = new HashMap<>();
    for (Mount m : byDepth) {
      String at =
          new ContainerView(fs, placed, "a container being made").resolveMountTarget(m.target());
      if (at.equals("/")) {
        throw new InvalidArgumentException(
            "mount target " + m.target() + " leads to / through a symlink: it cannot be mounted");
      }
      String other = placedBy.putIfAbsent(at, m.target());
      if (other != null) {
        throw new InvalidArgumentException(
            "duplicate mount point: " + m.target() + " and " + other + " are both " + at);
      }
      placed.put(at, directory(m));
      resolved.put(m, m.resolvedTo(at));
    }
    List<Mount> out = new ArrayList<>();
    for (Mount m : mounts) {
      out.add(resolved.get(m));
    }
    return out;
  }

  /**
   * Makes each mount's target directory where the container will find it: in the writable layer,
   * or, for a target inside another mount ({@code -v /src:/bm -v /other:/bm/inner}), in that
   * mount's host directory, as Docker's runtime does before mounting, so that the target is listed
   * in its parent (docs/ADVERSARIAL.md, N4). Outer targets first; a target missing in a read-only
   * mount is refused, as Docker's start is.
   */
  private void makeTargets(FileSystemView fs, List<Mount> mounts) throws IOException {
    List<Mount> byDepth = new ArrayList<>(mounts);
    byDepth.sort(Comparator.comparingInt(m -> m.resolvedTarget().length()));
    for (Mount m : byDepth) {
      String at = m.resolvedTarget();
      Mount outer = null;
      for (Mount o : byDepth) {
        String around = o.resolvedTarget();
        if (at.startsWith(around + "/")
            && (outer == null || around.length() > outer.resolvedTarget().length())) {
          outer = o;
        }
      }
      if (outer == null) {
        fs.mkdirs(at, 0755);
      } else {
        directory(outer).mkdirs(at.substring(outer.resolvedTarget().length()), 0755);
      }
    }
  }

  /** A change made to a container through its view. */
  @FunctionalInterface
  public interface ViewChange<T> {
    T apply(ContainerView view) throws IOException;
  }

  /**
   * Runs {@code change} on the container's view as one group: no other change of the container runs
   * meanwhile, and its changes to the writable layer become durable together when it returns, or
   * are dropped if it fails, so a change that fails half-way leaves the layer as it was. (Writes
   * into volumes and bind mounts go to host files directly, as they would in Docker.)
   */
  public <T> T change(String ref, ViewChange<T> change) throws IOException {
    ContainerView v = view(ref);
    return locks.group(inspect(ref).id(), v, () -> change.apply(v));
  }

  /**
   * What changed in the writable layer against the image, as {@code docker diff}: a deleted
   * directory is one {@code D} line, its contents not listed (its whiteout hides them all).
   */
  public List<Change> diff(String ref) throws IOException {
    List<Change> out = new ArrayList<>();
    try (ChangeStream changes = diffStream(ref)) {
      changes.forEachRemaining(out::add);
    }
    return out;
  }

  /**
   * {@link #diff} as a stream, read as the client takes it: a container with a million changed
   * files is never a million changes in memory (docs/ADVERSARIAL.md, G5). To be closed.
   */
  public ChangeStream diffStream(String ref) throws IOException {
    ContainerConfig c = inspect(ref);
    FileSystemView fs = driver.fs(c.snapshot());
    // The last path whose whole old tree is gone: deleted, or replaced by what is no directory
    // (its old children's removal is implied, as docker diff implies it). The driver lists a tree
    // in order, a path before what was under it.
    String[] gone = {null};
    return ChangeStream.filter(
        layerChanges(c),
        ch -> {
          if (ch.kind() == 'D' && gone[0] != null && ch.path().startsWith(gone[0] + "/")) {
            return false;
          }
          gone[0] =
              ch.kind() == 'D' || (ch.kind() == 'C' && !isDirectory(fs, ch.path()))
                  ? ch.path()
                  : null;
          return true;
        });
  }

  // The flags of a commit's spool: the change a path has, or that it is a changed file's partner.
  private static final int ADDED = 1;
  private static final int CHANGED = 2;
  private static final int DELETED = 4;
  private static final int PARTNER = 8;

  /**
   * The layer's changes spooled into {@code spool} with every other name of each changed or added
   * hard-linked file, so that the layer names them all and links them: a name renamed in the
   * container, its partner untouched, went into the layer as a file of its own, and the committed
   * image split the pair the container kept (docs/ADVERSARIAL.md, F12). The partners come as
   * changes, in path order, when the spool is read ({@link #spooledChanges}).
   */
  private void spoolWithLinkPartners(
      ContainerConfig c, String key, FileSystemView fs, ChangeSpool spool) throws IOException {
    try (ChangeStream changes = layerChanges(c, key)) {
      while (changes.hasNext()) {
        Change ch = changes.next();
        spool.add(ch.path(), ch.kind() == 'A' ? ADDED : ch.kind() == 'D' ? DELETED : CHANGED);
        if (ch.kind() == 'D') {
          continue;
        }
        FileStat st = fs.stat(ch.path());
        if (st.isDirectory() || st.nlink() < 2) {
          continue;
        }
        for (String p : fs.linksOf(ch.path())) {
          if (!HeldUnlinked.is(fs, p)) {
            spool.add(p, PARTNER);
          }
        }
      }
    }
  }

  /** What {@link #spoolWithLinkPartners} spooled, as changes: a partner alone is changed. */
  private static Iterable<Change> spooledChanges(ChangeSpool spool) throws IOException {
    java.util.Iterator<ChangeSpool.Entry> it = spool.iterator();
    return () ->
        new java.util.Iterator<>() {
          @Override
          public boolean hasNext() {
            return it.hasNext();
          }

          @Override
          public Change next() {
            ChangeSpool.Entry e = it.next();
            int f = e.flags();
            char kind = (f & ADDED) != 0 ? 'A' : (f & DELETED) != 0 ? 'D' : 'C';
            return new Change(kind, e.path());
          }
        };
  }

  private static boolean isDirectory(FileSystemView fs, String path) throws IOException {
    try {
      return fs.stat(path).isDirectory();
    } catch (NotFoundException gone) {
      return false;
    }
  }

  /**
   * The writable layer's changes against the image, without the removed files a mount keeps while a
   * process has them open ({@link HeldUnlinked}): deleted, they are no content of the container, as
   * an overlay upper directory does not show an unlinked open file. A stream, to be closed.
   */
  private ChangeStream layerChanges(ContainerConfig c) throws IOException {
    return layerChanges(c, c.snapshot());
  }

  /** {@link #layerChanges(ContainerConfig)} as snapshot {@code key} (a frozen view) holds them. */
  private ChangeStream layerChanges(ContainerConfig c, String key) throws IOException {
    FileSystemView fs = driver.fs(key);
    return ChangeStream.filter(
        driver.diffStream(key, c.parentLayer()),
        ch -> ch.kind() == 'D' || !HeldUnlinked.is(fs, ch.path()));
  }

  /** A call reading a snapshot of a container. */
  @FunctionalInterface
  private interface Reading<T> {
    T from(String key) throws IOException;
  }

  /**
   * {@code read} of the container's writable snapshot as it is at this instant: a view of it the
   * driver freezes (removed after), so that a commit or an export of a container a mount goes on
   * writing is one point in time, as a crash leaves it, and a database's file and its journal agree
   * (docs/ADVERSARIAL.md, AF2: each file was read as it was when reached, so a commit of a running
   * sqlite was a malformed database, and a file renamed away meanwhile failed the commit). Docker
   * pauses the container for its commit; Strata runs nothing, and freezes the snapshot instead. A
   * view left by a crash is an orphan ({@code ctr-ID.frozen-N}), removed at the next start.
   */
  private <T> T frozen(ContainerConfig c, Reading<T> read) throws IOException {
    String key = c.snapshot() + ".frozen-" + Long.toUnsignedString(random.nextLong(), 36);
    if (driver.frozenView(key, c.snapshot()) == null) {
      return read.from(c.snapshot());
    }
    try {
      return read.from(key);
    } finally {
      driver.remove(key);
    }
  }

  /**
   * Streams the container's file system as a tar: the writable layer over its image, without the
   * volumes and bind mounts (as {@code docker export}).
   */
  public void export(String ref, OutputStream out) throws IOException {
    ContainerConfig c = inspect(ref);
    frozen(
        c,
        key -> {
          TreeTar.tree(driver.fs(key), "/", "", out);
          return null;
        });
  }

  /**
   * {@code docker cp C:SRC -}: streams {@code src} (with everything under it, mounts included) as a
   * tar whose top entry is named after its last component ({@code .} for {@code /}).
   */
  public void copyOut(String ref, String src, OutputStream out) throws IOException {
    copyOut(ref, src, false, out);
  }

  /**
   * As {@link #copyOut(String, String, OutputStream)}; with {@code followLink} ({@code docker cp
   * -L}) a symlink {@code src} is followed inside the container ({@link ContainerView#followLinks})
   * and what it leads to goes under the link's name, as Docker's client renames it.
   */
  public void copyOut(String ref, String src, boolean followLink, OutputStream out)
      throws IOException {
    ContainerView v = view(ref);
    String p = PathNames.normalize(src);
    String name = p.equals("/") ? "." : p.substring(p.lastIndexOf('/') + 1);
    TreeTar.tree(v, copySource(v, p, followLink), name, out);
  }

  /**
   * The path {@code cp} out reads for {@code src}: itself, or with {@code followLink} where its
   * symlinks lead; NOT_FOUND if nothing is there, before any byte of the tar.
   */
  public static String copySource(ContainerView v, String src, boolean followLink)
      throws IOException {
    String p = PathNames.normalize(src);
    if (followLink) {
      p = v.followLinks(p);
    }
    v.stat(p);
    return p;
  }

  /** What a tar copied in holds, which decides where it goes ({@link #copyTarget}). */
  public enum CopyForm {
    /** One top entry named after a local SRC ({@code cp SRC C:DEST}). */
    NAMED,
    /** One top directory whose content is copied ({@code cp SRC/. C:DEST}). */
    CONTENT,
    /** Any tar, unpacked as it is ({@code cp - C:DEST}). */
    STREAM
  }

  /**
   * Where a tar copied in goes: directory {@code dir}, the top entry's name replaced by {@code
   * rename} (null: kept; empty: dropped, its content going straight into {@code dir}).
   */
  public record CopyTarget(String dir, String rename) {}

  /**
   * Where {@code cp} in puts a tar of form {@code form} for {@code dest}, as {@code docker cp}
   * decides it. DEST's symlinks are followed inside the container ({@link
   * ContainerView#followLinksForWrite}), the last one included, as docker evaluates a destination
   * link in the container's scope: {@code /bin -> usr/bin} receives into {@code /usr/bin}, a link
   * to a file is written through, and no link is replaced. Then: into an existing directory the
   * tar's top entry keeps its name ({@link CopyForm#CONTENT}: its content goes in); otherwise the
   * top entry takes DEST's (resolved) name in its parent, which must exist. DEST ending in {@code
   * /}, and DEST of a {@link CopyForm#STREAM}, must be an existing directory: a tar from stdin has
   * no one top entry to rename. Checks only, changes nothing.
   */
  public static CopyTarget copyTarget(ContainerView v, String dest, CopyForm form)
      throws IOException {
    String to = v.followLinksForWrite(PathNames.normalize(dest));
    if (v.exists(to) && v.stat(to).isDirectory()) {
      return new CopyTarget(to, form == CopyForm.CONTENT ? "" : null);
    }
    if (form == CopyForm.STREAM || dest.endsWith("/")) {
      String why =
          form == CopyForm.STREAM
              ? ": a tar read from standard input (cp - C:DEST) is unpacked into an existing"
                  + " directory"
              : "";
      if (!v.exists(to)) {
        throw new NotFoundException(
            "destination directory " + dest + " does not exist in the container" + why);
      }
      throw new ConflictException(
          "destination " + dest + " is not a directory in the container" + why);
    }
    int slash = to.lastIndexOf('/');
    return new CopyTarget(to.substring(0, Math.max(1, slash)), to.substring(slash + 1));
  }

  /** As {@link #copyIn(String, String, Path, CopyForm)} of a {@link CopyForm#NAMED} tar. */
  public void copyIn(String ref, String dest, Path tar) throws IOException {
    copyIn(ref, dest, tar, CopyForm.NAMED);
  }

  /**
   * {@code docker cp SRC C:DEST}: unpacks {@code tar}, of form {@code form}, where {@link
   * #copyTarget} says. One group ({@link #change}): a tar refused half-way changes nothing in the
   * writable layer. Volumes and bind mounts are the host's directories, written as they come; so
   * the whole tar is read first, and one with an entry that would be refused (an absolute or {@code
   * ..} name, an entry type that cannot be copied, a cut or damaged tar) is refused before anything
   * is written anywhere.
   */
  public void copyIn(String ref, String dest, Path tar, CopyForm form) throws IOException {
    String top;
    try (InputStream in = new BufferedInputStream(Files.newInputStream(tar))) {
      top = TreeTar.check(in);
    }
    change(
        ref,
        v -> {
          CopyTarget t = copyTarget(v, dest, form);
          if (t.rename() != null && top == null) {
            // renamed, every top entry would take DEST's name, one over the other
            throw new InvalidArgumentException(
                "the tar copied to "
                    + dest
                    + " has several top entries (or one named ./), which would all take its"
                    + " name; only a copy into an existing directory takes such a tar");
          }
          try (InputStream in = new BufferedInputStream(Files.newInputStream(tar))) {
            TreeTar.extract(v, in, t.dir(), t.rename());
          }
          return null;
        });
  }

  /** As {@link #copyIn(String, String, Path)}, the tar spooled under the data root's tmp first. */
  public void copyIn(String ref, String dest, InputStream tar) throws IOException {
    copyIn(ref, dest, tar, CopyForm.NAMED);
  }

  /** As {@link #copyIn(String, String, Path, CopyForm)}, the tar spooled under tmp first. */
  public void copyIn(String ref, String dest, InputStream tar, CopyForm form) throws IOException {
    Files.createDirectories(tmpDir);
    Path spool = Files.createTempFile(tmpDir, "copy-in-", ".tar");
    try {
      try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(spool))) {
        tar.transferTo(out);
      }
      copyIn(ref, dest, spool, form);
    } finally {
      Files.deleteIfExists(spool);
    }
  }

  // ---- commit and rm ----

  /**
   * Makes image {@code tag} (null: an untagged image) from the container, as {@code docker commit}:
   * its image plus one layer holding the writable layer's changes ({@link TreeTar#changes}, with
   * whiteouts for deletions), through {@link ImageStore#commitLayer}, with the history row {@code
   * strata commit <container id>}. Costs in proportion to the changes, not the image. Returns the
   * new image's id.
   */
  public String commit(String ref, String tag) throws IOException {
    ContainerConfig c = inspect(ref);
    return locks.exclusive(c.id(), () -> commitUnlocked(c, tag));
  }

  private String commitUnlocked(ContainerConfig c, String tag) throws IOException {
    return frozen(c, key -> commitUnlocked(c, key, tag));
  }

  private String commitUnlocked(ContainerConfig c, String key, String tag) throws IOException {
    FileSystemView fs = driver.fs(key);
    Files.createDirectories(tmpDir);
    // Spooled rather than piped, which would need a second thread: a file keeps memory flat
    // whatever the change's size, and costs one sequential write and read of the change. The
    // changes themselves are spooled too, sorted on disk with the link partners they bring.
    Path layer = Files.createTempFile(tmpDir, "commit-", ".tar");
    try {
      try (ChangeSpool spool = new ChangeSpool(tmpDir, ChangeSpool.DEFAULT_BYTES)) {
        spoolWithLinkPartners(c, key, fs, spool);
        Iterable<Change> changes = sizeChecked(c, fs, spooledChanges(spool));
        try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(layer))) {
          TreeTar.changes(fs, changes, out);
        }
      }
      try (InputStream in = new BufferedInputStream(Files.newInputStream(layer))) {
        List<String> tags = tag == null ? List.of() : List.of(tag);
        try {
          return images
              .commitLayer(c.imageId(), in, tags, "strata commit " + c.id())
              .images()
              .get(0)
              .id();
        } catch (InvalidArgumentException e) {
          // the layer's words name the base image, as for any layer: say whose commit it was
          throw new InvalidArgumentException(
              "commit of " + userName(c) + " refused: " + e.getMessage(), e);
        }
      }
    } finally {
      Files.deleteIfExists(layer);
    }
  }

  /**
   * {@code changes}, refused ({@code strata.import.maxLayerBytes}) as soon as their file content
   * passes what a layer may hold, before the change that passes it is written: a sparse file
   * written at a huge offset would otherwise stream its zeros into {@code tmp/} until the disk is
   * full.
   */
  private Iterable<Change> sizeChecked(
      ContainerConfig c, FileSystemView fs, Iterable<Change> changes) {
    long max = images.limits().maxLayerBytes();
    long[] bytes = {0};
    return () ->
        new java.util.Iterator<>() {
          private final java.util.Iterator<Change> it = changes.iterator();

          @Override
          public boolean hasNext() {
            return it.hasNext();
          }

          @Override
          public Change next() {
            Change ch = it.next();
            if (ch.kind() == 'D') {
              return ch;
            }
            FileStat st;
            try {
              st = fs.stat(ch.path());
            } catch (IOException e) {
              throw new java.io.UncheckedIOException(e);
            }
            if (st.isRegular()) {
              bytes[0] += st.size();
              if (bytes[0] > max || bytes[0] < 0) {
                throw new ConflictException(
                    "commit of container "
                        + c.name()
                        + ": its changes hold more than "
                        + max
                        + " bytes of file content ("
                        + ch.path()
                        + " has "
                        + st.size()
                        + "), more than a layer may (strata.import.maxLayerBytes); nothing was"
                        + " committed");
              }
            }
            return ch;
          }
        };
  }

  /**
   * Removes the container's writable layer and config, nothing else: volumes stay, except that with
   * {@code removeAnonymousVolumes} ({@code rm -v}) its anonymous volumes go too unless another
   * container mounts them.
   */
  public void remove(String ref, boolean removeAnonymousVolumes) throws IOException {
    String id = inspect(ref).id();
    locks.exclusive(
        id,
        () -> {
          removeUnlocked(id, removeAnonymousVolumes);
          return null;
        });
  }

  /**
   * {@code docker container prune}: removes every container {@code chosen} accepts, as {@link
   * #remove} without {@code -v}. Each is chosen again under its own lock, where it is removed, so a
   * container that went meanwhile is skipped and the filter decides on what is removed (what it
   * looks at, the creation time and labels, never changes). Returns those removed.
   */
  public List<ContainerConfig> prune(Predicate<ContainerConfig> chosen) throws IOException {
    List<ContainerConfig> removed = new ArrayList<>();
    for (ContainerConfig c : List.copyOf(containers.values())) {
      boolean gone =
          locks.exclusive(
              c.id(),
              () -> {
                ContainerConfig now = containers.get(c.id());
                if (now == null || !chosen.test(now)) {
                  return false;
                }
                removeUnlocked(now.id(), false);
                return true;
              });
      if (gone) {
        removed.add(c);
      }
    }
    return removed;
  }

  private void removeUnlocked(String ref, boolean removeAnonymousVolumes) throws IOException {
    synchronized (volumes) {
      ContainerConfig c = inspect(ref);
      records.remove(c.id());
      containers.remove(c.id());
      driver.remove(c.snapshot());
      if (removeAnonymousVolumes) {
        Set<String> used = volumesInUse();
        for (Mount m : c.mounts()) {
          if (m.anonymous() && !used.contains(m.source()) && volumes.exists(m.source())) {
            volumes.remove(m.source());
          }
        }
      }
    }
  }
}
