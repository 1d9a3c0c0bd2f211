package io.strata.store.volume;

import io.strata.store.disk.AtomicFiles;
import io.strata.store.error.ConflictException;
import io.strata.store.error.InvalidArgumentException;
import io.strata.store.error.NotFoundException;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileSystemException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.function.Supplier;
import java.util.random.RandomGenerator;
import java.util.regex.Pattern;

/**
 * The volumes of a data root: {@code DATA/volumes/NAME/_data} holds volume NAME's files as ordinary
 * files. A volume exists exactly when its {@code NAME} directory does: it is made as {@code
 * .new-<uuid>/_data} and renamed into place, and removed by renaming it to {@code .rm-<uuid>}
 * before its files are deleted, so a crash never leaves a half-made or half-removed volume visible;
 * the next {@link VolumeStore} clears the leftovers.
 *
 * <p>Which volumes are in use is the containers' business ({@code inUse}). This object's monitor
 * guards the link between volumes and their users: the container store holds it while it adds or
 * drops a use, and {@link #remove} and {@link #prune} hold it while they check.
 */
public final class VolumeStore {
  private static final Pattern NAME = Pattern.compile("[a-zA-Z0-9][a-zA-Z0-9_.-]+");
  private static final String DATA = "_data";

  /**
   * The mark beside {@code _data} of a volume made for a mount without a source: what {@code prune}
   * without {@code --all} takes, as Docker 23+ decides by its {@code com.docker.volume.anonymous}
   * label, never by the name (a volume a user named with 64 hex digits, a content hash, is theirs).
   */
  private static final String ANONYMOUS_MARK = "anonymous";

  private final Path dir;
  private final Supplier<Map<String, List<String>>> inUse;
  private final RandomGenerator random;

  /**
   * The volumes under {@code dir} ({@code DATA/volumes}); {@code inUse} names the volumes some
   * container mounts, each with those containers (as a refusal names them); {@code random} makes
   * anonymous volumes' names. Clears what a crash left.
   */
  public VolumeStore(Path dir, Supplier<Map<String, List<String>>> inUse, RandomGenerator random)
      throws IOException {
    this.dir = dir;
    this.inUse = inUse;
    this.random = random;
    AtomicFiles.createPrivateDirectories(dir);
    try (DirectoryStream<Path> s = Files.newDirectoryStream(dir, ".{new,rm}-*")) {
      for (Path p : s) {
        AtomicFiles.deleteRecursively(p);
      }
    }
  }

  /** Throws {@link InvalidArgumentException} unless {@code name} is a valid volume name. */
  public static void checkName(String name) {
    if (name == null || !NAME.matcher(name).matches()) {
      throw new InvalidArgumentException(
          "volume name '"
              + name
              + "' is invalid: use at least two of [a-zA-Z0-9_.-], starting with a letter or digit");
    }
  }

  /** Creates volume {@code name}; an existing volume is left as it is (as Docker does). */
  public synchronized VolumeInfo create(String name) throws IOException {
    return create(name, false, null);
  }

  private VolumeInfo create(String name, boolean anonymous, Staged content) throws IOException {
    checkName(name);
    if (!Files.isDirectory(dataOf(name), LinkOption.NOFOLLOW_LINKS)) {
      Path tmp = content != null ? content.take() : stage().take();
      if (anonymous) {
        AtomicFiles.createPrivateFile(tmp.resolve(ANONYMOUS_MARK));
      }
      AtomicFiles.publishDirectory(tmp, dir.resolve(name));
    }
    return inspect(name);
  }

  /** Creates a volume with a random 64-hex name, marked anonymous, for a mount without a source. */
  public synchronized VolumeInfo createAnonymous() throws IOException {
    return createAnonymous(null);
  }

  /**
   * As {@link #createAnonymous()}, holding {@code content} ({@link #stage}, filled and not yet
   * taken) from the moment it appears; null: empty.
   */
  public synchronized VolumeInfo createAnonymous(Staged content) throws IOException {
    byte[] b = new byte[32];
    random.nextBytes(b);
    return create(HexFormat.of().formatHex(b), true, content);
  }

  /**
   * Creates volume {@code name} holding {@code content} ({@link #stage}) from the moment it
   * appears, as one rename: a crash leaves it missing or whole. An existing volume is left as it
   * is, and {@code content} dropped when closed.
   */
  public synchronized VolumeInfo create(String name, Staged content) throws IOException {
    return create(name, false, content);
  }

  /**
   * A fresh, empty directory beside the volumes ({@code .new-<uuid>/_data}) to fill before it
   * becomes a volume's content ({@link #create(String, Staged)}, {@link #createAnonymous(Staged)},
   * {@link #fillIfEmpty}). Nobody else sees it, and the next {@link VolumeStore} deletes it if a
   * crash came first; {@link Staged#close} deletes it unless it was taken.
   */
  public Staged stage() throws IOException {
    Path tmp = dir.resolve(".new-" + UUID.randomUUID());
    AtomicFiles.createPrivateParents(tmp.resolve(DATA));
    return new Staged(tmp);
  }

  /**
   * Makes {@code content} the files of existing volume {@code name} if it holds none, replacing its
   * empty {@code _data} with one rename ({@code rename(2)} replaces an empty directory and refuses
   * a non-empty one), so a crash leaves the volume empty or filled whole, and a file that appears
   * meanwhile is never lost. Returns whether it did; {@code content} is dropped when closed
   * otherwise.
   */
  public synchronized boolean fillIfEmpty(String name, Staged content) throws IOException {
    need(name);
    if (!isEmpty(name)) {
      return false;
    }
    Path staged = content.take().resolve(DATA);
    AtomicFiles.syncDirectory(staged);
    try {
      Files.move(staged, dataOf(name), StandardCopyOption.ATOMIC_MOVE);
    } catch (FileSystemException e) {
      if (isEmpty(name)) {
        throw e;
      }
      return false; // a file appeared since the check (ENOTEMPTY): the volume is someone's now
    } finally {
      AtomicFiles.deleteRecursively(staged.getParent());
    }
    AtomicFiles.syncDirectory(dir.resolve(name));
    return true;
  }

  /** Whether volume {@code name} holds no file. */
  public boolean isEmpty(String name) throws IOException {
    need(name);
    try (DirectoryStream<Path> s = Files.newDirectoryStream(dataOf(name))) {
      return !s.iterator().hasNext();
    }
  }

  /**
   * A volume's content being prepared ({@link #stage}): {@link #data} is where to write it. Closing
   * deletes it unless a volume took it.
   */
  public final class Staged implements AutoCloseable {
    private final Path dir;
    private boolean taken;

    private Staged(Path dir) {
      this.dir = dir;
    }

    /** The directory that becomes the volume's {@code _data}, seen as a host directory. */
    public HostDirectory data() {
      return new HostDirectory(dir.resolve(DATA), false, "new volume");
    }

    /** The host path of {@link #data}, for what {@link HostDirectory} cannot set: its own mode. */
    public Path dataPath() {
      return dir.resolve(DATA);
    }

    private Path take() {
      if (taken) {
        throw new IllegalStateException("staged volume content " + dir + " was taken already");
      }
      taken = true;
      return dir;
    }

    @Override
    public void close() throws IOException {
      if (!taken) {
        AtomicFiles.deleteRecursively(dir);
      }
    }
  }

  /** Whether volume {@code name} was made for a mount without a source. */
  private boolean anonymous(String name) {
    return Files.isRegularFile(
        dir.resolve(name).resolve(ANONYMOUS_MARK), LinkOption.NOFOLLOW_LINKS);
  }

  /** Whether volume {@code name} exists. */
  public boolean exists(String name) {
    return NAME.matcher(name).matches()
        && Files.isDirectory(dataOf(name), LinkOption.NOFOLLOW_LINKS);
  }

  /** Every volume, by name. */
  public List<VolumeInfo> list() throws IOException {
    Set<String> used = inUse.get().keySet();
    List<VolumeInfo> out = new ArrayList<>();
    for (String n : names()) {
      out.add(info(n, used));
    }
    return out;
  }

  /** Volume {@code name}. */
  public VolumeInfo inspect(String name) throws IOException {
    need(name);
    return info(name, inUse.get().keySet());
  }

  /** Volume {@code name}'s files as a directory no path can leave. */
  public HostDirectory directory(String name, boolean readOnly) {
    need(name);
    return new HostDirectory(dataOf(name), readOnly, "volume " + name);
  }

  /**
   * Removes volume {@code name} and its files; refused while a container mounts it, naming the
   * containers (as docker lists their ids) so that the user knows what to remove first.
   */
  public synchronized void remove(String name) throws IOException {
    need(name);
    List<String> users = inUse.get().get(name);
    if (users != null) {
      throw new ConflictException(
          "volume "
              + name
              + " is in use by "
              + String.join(", ", users)
              + (users.size() == 1 ? "; remove it first" : "; remove them first"));
    }
    AtomicFiles.removeDirectory(dir.resolve(name), dir.resolve(".rm-" + UUID.randomUUID()));
  }

  /**
   * Removes the anonymous volumes no container mounts, and with {@code all} the unused named ones
   * too (as {@code docker volume prune [--all]} since Docker 23); returns what each held just
   * before it went. A volume is anonymous when {@link #createAnonymous} made it (its mark), not by
   * its name; those made before the mark existed count as named.
   */
  public synchronized List<VolumeInfo> prune(boolean all) throws IOException {
    Set<String> used = inUse.get().keySet();
    List<VolumeInfo> out = new ArrayList<>();
    for (String n : names()) {
      if (!used.contains(n) && (all || anonymous(n))) {
        out.add(info(n, used));
        remove(n);
      }
    }
    return out;
  }

  /** The volumes row of {@code strata system df}. */
  public VolumeDiskUsage diskUsage() throws IOException {
    Set<String> used = inUse.get().keySet();
    int total = 0;
    int active = 0;
    long size = 0;
    long reclaimable = 0;
    for (String n : names()) {
      long s = sizeOf(dataOf(n));
      total++;
      size += s;
      if (used.contains(n)) {
        active++;
      } else {
        reclaimable += s;
      }
    }
    return new VolumeDiskUsage(total, active, size, reclaimable);
  }

  private void need(String name) {
    checkName(name);
    if (!exists(name)) {
      throw new NotFoundException("volume " + name + " not found");
    }
  }

  private Path dataOf(String name) {
    return dir.resolve(name).resolve(DATA);
  }

  private List<String> names() throws IOException {
    List<String> out = new ArrayList<>();
    try (DirectoryStream<Path> s = Files.newDirectoryStream(dir)) {
      for (Path p : s) {
        String n = p.getFileName().toString();
        if (NAME.matcher(n).matches() && Files.isDirectory(p.resolve(DATA))) {
          out.add(n);
        }
      }
    }
    out.sort(null);
    return out;
  }

  private VolumeInfo info(String name, Set<String> used) throws IOException {
    Path data = dataOf(name);
    BasicFileAttributes a =
        Files.readAttributes(
            dir.resolve(name), BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
    return new VolumeInfo(
        name, data.toString(), used.contains(name), sizeOf(data), a.lastModifiedTime().toInstant());
  }

  /**
   * Bytes of the regular files under {@code root}, following no symlink, each file once however
   * many names it has there, as Docker sizes a volume (moby's {@code directory.Size}: a second name
   * of an inode adds nothing; until 2026-12-07 each name counted, docs/ADVERSARIAL.md, AG5). Only
   * files of more than one link are remembered, so memory follows the hard links, not the files.
   */
  private static long sizeOf(Path root) throws IOException {
    long[] total = {0};
    Set<Object> linked = new HashSet<>();
    Files.walkFileTree(
        root,
        new SimpleFileVisitor<>() {
          @Override
          public FileVisitResult visitFile(Path f, BasicFileAttributes a) throws IOException {
            if (!a.isRegularFile()) {
              return FileVisitResult.CONTINUE;
            }
            Object links;
            try {
              links = Files.getAttribute(f, "unix:nlink", LinkOption.NOFOLLOW_LINKS);
            } catch (NoSuchFileException gone) {
              return FileVisitResult.CONTINUE; // removed meanwhile
            }
            if (!(links instanceof Integer n) || n <= 1 || linked.add(a.fileKey())) {
              total[0] += a.size();
            }
            return FileVisitResult.CONTINUE;
          }
        });
    return total[0];
  }
}
