package io.strata.store.engine;

import java.util.List;

/**
 * What {@code fsck} found.
 *
 * @param chunksChecked chunks re-read and re-hashed
 * @param damaged every damaged or missing chunk, with the roots that use it
 */
public record FsckReport(long chunksChecked, List<Damage> damaged) {
  public FsckReport {
    damaged = List.copyOf(damaged);
  }

  /** Whether the store is intact. */
  public boolean clean() {
    return damaged.isEmpty();
  }

  /**
   * One damaged chunk.
   *
   * @param chunk the chunk's digest ({@code sha256:…}), or {@code chunk #id} when even that is lost
   * @param problem what is wrong, one sentence
   * @param usedBy the roots that reference it ({@code blob/<hex>}, later images and containers)
   */
  public record Damage(String chunk, String problem, List<String> usedBy) {
    public Damage {
      usedBy = List.copyOf(usedBy);
    }
  }
}
