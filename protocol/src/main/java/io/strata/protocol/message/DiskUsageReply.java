package io.strata.protocol.message;

/**
 * The answer of {@code system.df}: one row per kind of thing that holds space, as {@code docker
 * system df} shows them.
 *
 * @param images every image
 * @param containers every container
 * @param volumes every named volume
 */
public record DiskUsageReply(Row images, Row containers, Row volumes) {
  /**
   * One row.
   *
   * @param total how many there are
   * @param active how many are in use (images by a container, volumes by a mount)
   * @param size pack bytes of every chunk they use
   * @param reclaimable pack bytes only unused ones use: what removing them would free
   */
  public record Row(long total, long active, long size, long reclaimable) {
    /** Nothing of this kind. */
    public static final Row EMPTY = new Row(0, 0, 0, 0);
  }
}
