package io.strata.store.engine;

import io.strata.store.disk.AtomicFiles;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import org.roaringbitmap.RoaringBitmap;

/**
 * The chunks whose only stored copy was found damaged (by a read or by fsck), kept in a file so
 * that a restart remembers them. A put of such a chunk's bytes stores them anew instead of
 * deduplicating against the damaged copy, so that putting the content again heals every blob, layer
 * and container that uses it, as ZFS's dedup repairs a damaged block from a new write of the same
 * data (docs/ADVERSARIAL.md, P1). Damage is rare: the file is rewritten whole at each change.
 */
final class DamagedChunks {
  /** Its file in the chunk store's directory. */
  static final String FILE = "damaged";

  private static final System.Logger LOG = System.getLogger(DamagedChunks.class.getName());

  private final Path file;
  private final RoaringBitmap ids;

  /** Whether any is known: read without the lock by every deduplicated write. */
  private volatile boolean any;

  private DamagedChunks(Path file, RoaringBitmap ids) {
    this.file = file;
    this.ids = ids;
    this.any = !ids.isEmpty();
  }

  /** Whether chunk {@code id} may be on the set: false at once while the set is empty. */
  boolean mayHold(int id) {
    return any && contains(id);
  }

  /**
   * The set kept in {@code dir}; empty if there is none. A file that does not read is named and
   * started afresh: what it held is found again by the next read or fsck of the damage.
   */
  static DamagedChunks open(Path dir) throws IOException {
    Path file = dir.resolve(FILE);
    RoaringBitmap ids = new RoaringBitmap();
    try (DataInputStream in = new DataInputStream(Files.newInputStream(file))) {
      ids.deserialize(in);
    } catch (NoSuchFileException e) {
      // none found damaged yet
    } catch (IOException | RuntimeException e) {
      LOG.log(
          System.Logger.Level.WARNING,
          "{0} does not read ({1}); starting it again: reads and fsck find the damage again",
          file,
          e.toString());
      ids = new RoaringBitmap();
    }
    return new DamagedChunks(file, ids);
  }

  /** Records that chunk {@code id}'s stored copy is damaged. */
  synchronized void add(int id) throws IOException {
    if (ids.checkedAdd(id)) {
      any = true;
      save();
    }
  }

  /**
   * Whether any chunk of {@code set} is known damaged: false at once while the set is empty, else
   * one bitmap intersection, not a lookup per chunk of a layer.
   */
  boolean holdsAnyOf(RoaringBitmap set) {
    if (!any) {
      return false;
    }
    synchronized (this) {
      return RoaringBitmap.intersects(ids, set);
    }
  }

  /** Whether chunk {@code id}'s stored copy is known damaged. */
  synchronized boolean contains(int id) {
    return ids.contains(id);
  }

  /**
   * Takes chunk {@code id} off the set if it is on it, for a writer that is about to store its
   * bytes anew; true once per damage, so that one writer does it. A writer that fails gives it back
   * with {@link #add}.
   */
  synchronized boolean claim(int id) throws IOException {
    if (!ids.checkedRemove(id)) {
      return false;
    }
    any = !ids.isEmpty();
    save();
    return true;
  }

  private void save() throws IOException {
    RoaringBitmap copy = ids.clone();
    copy.runOptimize();
    AtomicFiles.write(
        file,
        out -> {
          DataOutputStream data = new DataOutputStream(out);
          copy.serialize(data);
          data.flush();
        });
  }
}
