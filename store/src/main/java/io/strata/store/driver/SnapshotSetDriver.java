package io.strata.store.driver;

import io.strata.store.engine.FsckReport;
import io.strata.store.error.AlreadyExistsException;
import io.strata.store.error.ConflictException;
import io.strata.store.fs.FileSystemView;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * A driver built on a {@link SnapshotSet}: the containerd operations, usage, diff, file systems,
 * recount and check all go to the set; a subclass adds its model (layout, metadata), its native
 * listing and its own abilities, and overrides an operation only to add to it.
 */
public abstract class SnapshotSetDriver implements StorageDriver, Recountable {
  /**
   * Where {@link #clone} keeps its intermediate active snapshot; one left behind by a crash between
   * clone's prepare and commit is garbage, which {@code removeUnfinishedClones} removes.
   */
  public static final String CLONE_TMP = "clone-tmp/";

  /** The snapshot bookkeeping this driver is built on. */
  protected abstract SnapshotSet set();

  @Override
  public SnapshotInfo prepare(String key, String parent, Map<String, String> labels)
      throws IOException {
    return set().prepare(key, parent, labels);
  }

  @Override
  public SnapshotInfo view(String key, String parent, Map<String, String> labels)
      throws IOException {
    return set().view(key, parent, labels);
  }

  @Override
  public SnapshotInfo frozenView(String key, String source) throws IOException {
    return set().copy(key, source, Kind.VIEW, Map.of());
  }

  @Override
  public SnapshotInfo commit(String name, String key, Map<String, String> labels)
      throws IOException {
    return set().commit(name, key, labels);
  }

  @Override
  public SnapshotInfo relabel(String key, Map<String, String> labels) throws IOException {
    return set().relabel(key, labels);
  }

  /**
   * An active snapshot of {@code source} committed at once under {@code name}, then linked to
   * {@code parent}: through this driver's own prepare and commit, so the driver's model (datasets,
   * subvolumes) records the copy as it records any other.
   */
  @Override
  public SnapshotInfo clone(String name, String source, String parent, Map<String, String> labels)
      throws IOException {
    if (set().all().containsKey(name)) {
      throw new AlreadyExistsException("snapshot " + name + " exists already");
    }
    requireCommitted(source);
    if (parent != null) {
      requireCommitted(parent);
    }
    String tmp = CLONE_TMP + Long.toHexString(System.nanoTime()) + "/" + name.hashCode();
    prepare(tmp, source, Map.of());
    try {
      commit(name, tmp, labels);
    } catch (IOException | RuntimeException e) {
      try {
        remove(tmp);
      } catch (IOException | RuntimeException cleanup) {
        e.addSuppressed(cleanup);
      }
      throw e;
    }
    set().update(name, s -> s.withParent(parent));
    return stat(name);
  }

  private void requireCommitted(String key) {
    Snapshot s = set().get(key);
    if (s.kind() != Kind.COMMITTED) {
      throw new ConflictException(
          "snapshot "
              + key
              + " is "
              + s.kind().name().toLowerCase(java.util.Locale.ROOT)
              + "; only committed snapshots can be cloned or be parents");
    }
  }

  @Override
  public void remove(String key) throws IOException {
    set().remove(key);
  }

  @Override
  public SnapshotInfo stat(String key) {
    return set().stat(key);
  }

  @Override
  public void walk(Consumer<SnapshotInfo> visitor) {
    set().walk(visitor);
  }

  @Override
  public Usage usage(String key) throws IOException {
    return set().usage(key);
  }

  @Override
  public long written(String key) throws IOException {
    return set().written(key);
  }

  @Override
  public List<Change> diff(String key, String parent) throws IOException {
    return set().diff(key, parent);
  }

  @Override
  public ChangeStream diffStream(String key, String parent) throws IOException {
    return set().diffStream(key, parent);
  }

  @Override
  public FileSystemView fs(String key) {
    return set().fs(key);
  }

  @Override
  public void recount() throws IOException {
    set().recount();
  }

  @Override
  public List<FsckReport.Damage> check() throws IOException {
    return set().check();
  }

  /** Nothing to release: everything lives in the chunk store. */
  @Override
  public void close() throws IOException {}
}
