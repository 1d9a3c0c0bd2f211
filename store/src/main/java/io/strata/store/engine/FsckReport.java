package io.strata.store.engine;

import java.util.List;

/**
 * What {@code fsck} found.
 *
 * @param chunksChecked chunks re-read and re-hashed
 * @param damaged every damaged or missing chunk or file, with the roots that use it
 * @param notes damage found and mended before the check (a root-log record taken from its other
 *     copy when the store opened) and parts that could not be checked, one sentence each; not
 *     damage
 */
public record FsckReport(long chunksChecked, List<Damage> damaged, List<String> notes) {
  public FsckReport {
    damaged = List.copyOf(damaged);
    notes = List.copyOf(notes);
  }

  public FsckReport(long chunksChecked, List<Damage> damaged) {
    this(chunksChecked, damaged, List.of());
  }

  /** Whether the store is intact. */
  public boolean clean() {
    return damaged.isEmpty();
  }

  /**
   * One damaged chunk.
   *
   * @param chunk the chunk's digest ({@code sha256:…}), {@code chunk #id} when even that is lost,
   *     or a file of the store ({@code pack 0000000a.pack})
   * @param problem what is wrong, one sentence
   * @param usedBy the names of the roots that reference it ({@code blob/<hex>}, {@code
   *     snap/ctr-<id>}); the stores that keep those roots name them for the user ({@code
   *     ImageStore.rootNames} and the like), which the chunk engine cannot
   */
  public record Damage(String chunk, String problem, List<String> usedBy) {
    public Damage {
      usedBy = List.copyOf(usedBy);
    }
  }
}
