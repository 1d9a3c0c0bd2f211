package io.strata.protocol.message;

/**
 * The answer of {@code system.df}: one row per kind of thing that holds space, as {@code docker
 * system df} shows them, and what the registry and containerd hold besides ({@code system df -v}
 * shows those as sections of their own, not as summary rows: docker's summary has no such rows).
 *
 * @param images every image
 * @param containers every container
 * @param volumes every named volume
 * @param registry what stratad's registry keeps: manifests, tags, links and the stored blobs a
 *     repository links
 * @param containerd what the containerd services keep: snapshots and content
 * @param buildCache the build cache: its entries (total), those whose layer an image uses (active),
 *     the layers only it keeps (size) and what a builder prune would free; absent from servers
 *     before 2026-12-07 (read as null: shown as nothing)
 * @param blobs the stored blobs no registry repository links ({@code strata blob put}'s); absent
 *     from servers before 2026-12-08, which counted them under {@code registry} (read as null)
 */
public record DiskUsageReply(
    Row images,
    Row containers,
    Row volumes,
    Held registry,
    Held containerd,
    Row buildCache,
    Held blobs) {
  /** The answer of a server that does not count its build cache or its plain blobs. */
  public DiskUsageReply(Row images, Row containers, Row volumes, Held registry, Held containerd) {
    this(images, containers, volumes, registry, containerd, null, null);
  }

  /**
   * One row.
   *
   * @param total how many there are
   * @param active how many are in use (images by a container, volumes by a mount)
   * @param size pack bytes of every chunk they use
   * @param reclaimable pack bytes removing the unused ones and a gc would free: the chunks nothing
   *     else references
   */
  public record Row(long total, long active, long size, long reclaimable) {
    /** Nothing of this kind. */
    public static final Row EMPTY = new Row(0, 0, 0, 0);
  }

  /**
   * Space a service holds besides images, containers and volumes.
   *
   * @param records how many chunk-store records it keeps
   * @param size pack bytes of every chunk they reference
   * @param exclusive pack bytes only these records reference: what removing all of them (through
   *     the service itself: registry deletes, containerd's gc) and a gc would free. No prune of
   *     Strata's removes them, so it is not called reclaimable (docs/ADVERSARIAL.md, Y2)
   */
  public record Held(long records, long size, long exclusive) {
    /** Nothing held. */
    public static final Held EMPTY = new Held(0, 0, 0);
  }
}
