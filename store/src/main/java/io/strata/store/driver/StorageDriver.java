package io.strata.store.driver;

import io.strata.store.fs.FileSystemView;
import java.io.Closeable;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * A storage driver: snapshots of file system trees kept in the chunk store, with the semantics of
 * containerd's snapshotter and the file operations a container needs.
 *
 * <h2>Glossary</h2>
 *
 * <dl>
 *   <dt>snapshot
 *   <dd>A named file system tree. A snapshot is a pointer to a tree root, so making one costs the
 *       same for a 10-file and a 100,000-file tree.
 *   <dt>active
 *   <dd>A writable snapshot made by {@link #prepare} from a committed parent (or from nothing): a
 *       container's writable layer, or a layer being built.
 *   <dt>view
 *   <dd>A read-only snapshot of a committed parent, made by {@link #view}.
 *   <dt>committed
 *   <dd>An immutable snapshot made by {@link #commit} from an active one: an image layer. Only
 *       committed snapshots can be parents.
 * </dl>
 *
 * <h2>Lifecycle</h2>
 *
 * <pre>
 *   prepare(k, p) ──▶ active k ──commit(n, k)──▶ committed n ──prepare/view──▶ …
 *   view(k, p)    ──▶ view k
 *   remove(k): any kind, once no other snapshot names k as its parent
 * </pre>
 *
 * <h2>Errors</h2>
 *
 * Every method throws {@link io.strata.store.error.NotFoundException} for an unknown key or parent,
 * {@link io.strata.store.error.AlreadyExistsException} when the key is taken, {@link
 * io.strata.store.error.ConflictException} for an operation the snapshot's state forbids
 * (committing a view, removing a parent, writing a committed snapshot), and {@link
 * io.strata.store.error.InvalidArgumentException} for a malformed key or path. A failed call
 * changes nothing. Everything that returns is durable.
 *
 * <p>Implementations are thread-safe.
 */
public interface StorageDriver extends Closeable {
  /** The driver's name: {@code btrfs} or {@code zfs}. */
  String name();

  /** Makes an active snapshot {@code key} from committed {@code parent} (null: empty). */
  SnapshotInfo prepare(String key, String parent, Map<String, String> labels) throws IOException;

  /**
   * Makes a read-only view {@code key} of committed {@code parent} (null: of an empty tree, as
   * containerd allows).
   */
  SnapshotInfo view(String key, String parent, Map<String, String> labels) throws IOException;

  /**
   * Turns active {@code key} into committed {@code name}, keeping its labels; {@code key} ceases to
   * exist.
   */
  default SnapshotInfo commit(String name, String key) throws IOException {
    return commit(name, key, null);
  }

  /**
   * Turns active {@code key} into committed {@code name}; {@code key} ceases to exist. The
   * committed snapshot's created and updated times are the time of the commit, and its labels are
   * {@code labels}, not inherited (containerd's rule), or the active snapshot's when {@code labels}
   * is null.
   */
  SnapshotInfo commit(String name, String key, Map<String, String> labels) throws IOException;

  /**
   * Replaces the labels of {@code key} (any kind) with {@code labels}, durably, and sets its
   * updated time to now; nothing else about the snapshot changes. Throws {@link
   * io.strata.store.error.NotFoundException} for an unknown key.
   */
  SnapshotInfo relabel(String key, Map<String, String> labels) throws IOException;

  /**
   * Makes committed snapshot {@code name} holding the same tree as committed {@code source}, and
   * records it as a child of committed {@code parent} (null: none) with {@code labels}. The caller
   * vouches that {@code source}'s tree is {@code parent}'s plus one layer (equal chain ids); this
   * is how a layer Strata already holds answers containerd's remote-snapshot Prepare without
   * copying. Costs the same as a prepare and a commit. Throws {@link
   * io.strata.store.error.AlreadyExistsException} if {@code name} is taken, {@link
   * io.strata.store.error.NotFoundException} for an unknown source or parent and {@link
   * io.strata.store.error.ConflictException} if either is not committed.
   */
  SnapshotInfo clone(String name, String source, String parent, Map<String, String> labels)
      throws IOException;

  /** Removes {@code key}; refused while another snapshot has it as parent. */
  void remove(String key) throws IOException;

  /**
   * Makes view {@code key} of snapshot {@code source} as it is at this instant, of any kind, an
   * active one a mount goes on writing included (its held changes made durable first), as {@code
   * btrfs subvolume snapshot -r} and {@code zfs snapshot} take one: what a commit or an export of a
   * container in use reads, so that it is one point in time, as after a crash, and never a file
   * from before a change beside another from after it. Its parent is the source's if the source is
   * active. Null when the driver cannot (the caller then reads the source itself).
   */
  default SnapshotInfo frozenView(String key, String source) throws IOException {
    return null;
  }

  /** The snapshot {@code key}: parent, kind, created and updated times, labels. */
  SnapshotInfo stat(String key);

  /** Calls {@code visitor} for every snapshot, ordered by key. */
  void walk(Consumer<SnapshotInfo> visitor);

  /** The space {@code key} takes, exclusive and shared. */
  Usage usage(String key) throws IOException;

  /**
   * Bytes of file content written in {@code key} since its parent, at the driver's granularity,
   * whatever other snapshots hold (Btrfs's exclusive, ZFS's {@code written}): what {@code strata
   * ps} shows as SIZE. Defaults to {@link #usage}'s exclusive bytes.
   */
  default long written(String key) throws IOException {
    return usage(key).exclusiveBytes();
  }

  /**
   * What changed in {@code key} relative to {@code parent} (null: relative to an empty tree),
   * sorted by path. Costs in proportion to the change, not the trees.
   */
  List<Change> diff(String key, String parent) throws IOException;

  /**
   * {@link #diff} as a stream, for a diff of any size: a driver whose diff could hold more than the
   * heap spools it ({@link ChangeSpool}). Defaults to the list.
   */
  default ChangeStream diffStream(String key, String parent) throws IOException {
    return ChangeStream.of(diff(key, parent));
  }

  /** The file system of {@code key}; read-only unless the snapshot is active. */
  FileSystemView fs(String key);

  /**
   * The driver's own listing, one map per entry in the order its tool prints them: {@code btrfs
   * subvolume list} (ID, gen, parent, path) or {@code zfs list -t all -o name,used,refer,origin}.
   */
  List<Map<String, Object>> nativeListing() throws IOException;

  /**
   * How files written into new snapshots are cut into chunks, given the chunk store's own chunk
   * sizes: a sender of images cuts their files this way so that this store finds the chunks it
   * already holds. Content-defined chunks unless the driver stores files otherwise.
   */
  default io.strata.store.transfer.ContentCut contentCut(
      io.strata.store.chunk.ChunkerParams chunker) {
    return new io.strata.store.transfer.ContentCut.Cdc(chunker);
  }
}
