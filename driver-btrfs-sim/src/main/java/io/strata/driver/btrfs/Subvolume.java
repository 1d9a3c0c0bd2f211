package io.strata.driver.btrfs;

import io.strata.store.error.CorruptDataException;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.util.Objects;
import java.util.UUID;

/**
 * What Btrfs's root item and root reference say about one subvolume, kept in the extension of the
 * snapshot record so that it changes atomically with the snapshot.
 *
 * <pre>
 * extension := u8 version(=2) u64 id u64 generation u64 createdGeneration u64 parentId
 *              u8 flags(bit 0: read-only) byte[16] uuid byte[16] parentUuid(all zeros: none)
 *              u64 lastChange
 * </pre>
 *
 * Version 1 records (without {@code lastChange}) are read with {@code lastChange = generation}.
 *
 * <p>Btrfs writes a subvolume's root item, and so its {@code gen}, when the transaction that
 * changed it commits; until then {@code btrfs subvolume list} shows the previous value. So a record
 * keeps both: {@code lastChange}, the transaction its files last changed in (possibly the running
 * one), and {@code generation}, the last committed transaction that changed it. {@link #visible}
 * gives what the listing shows once the driver's committed generation is known.
 *
 * @param id the subvolume id: {@value #FIRST_ID} and up, never reused
 * @param generation the last committed transaction that changed it (Btrfs {@code gen})
 * @param createdGeneration the transaction that made it (Btrfs {@code cgen}/{@code ogen})
 * @param parentId the id of the subvolume it was snapshotted from, 0 for a fresh one
 * @param readOnly whether it is read-only (committed snapshots and views)
 * @param uuid its own UUID
 * @param parentUuid the UUID of the subvolume it was snapshotted from, or null
 * @param path its path below the top level: the snapshot's key
 * @param lastChange the transaction its files last changed in, committed or running
 */
public record Subvolume(
    long id,
    long generation,
    long createdGeneration,
    long parentId,
    boolean readOnly,
    UUID uuid,
    UUID parentUuid,
    String path,
    long lastChange) {
  /** The id of the top-level subvolume ({@code BTRFS_FS_TREE_OBJECTID}), every subvolume's home. */
  public static final long TOP_LEVEL = 5;

  /** The first id handed out ({@code BTRFS_FIRST_FREE_OBJECTID}). */
  public static final long FIRST_ID = 256;

  private static final byte VERSION = 2;
  private static final int V1_LENGTH = 1 + 4 * 8 + 1 + 16 + 16;
  private static final int ENCODED_LENGTH = V1_LENGTH + 8;
  private static final UUID NONE = new UUID(0, 0);

  public Subvolume {
    Objects.requireNonNull(uuid, "uuid");
    Objects.requireNonNull(path, "path");
    if (id < FIRST_ID
        || generation < createdGeneration
        || lastChange < generation
        || parentId < 0) {
      throw new IllegalArgumentException(
          "subvolume "
              + path
              + ": id "
              + id
              + ", generation "
              + generation
              + " (created "
              + createdGeneration
              + "), last changed in "
              + lastChange
              + ", parent "
              + parentId);
    }
  }

  /** A subvolume made in transaction {@code gen}, which it shows as its gen at once. */
  static Subvolume made(
      long id, long gen, long parentId, boolean readOnly, UUID uuid, UUID parentUuid, String path) {
    return new Subvolume(id, gen, gen, parentId, readOnly, uuid, parentUuid, path, gen);
  }

  /**
   * The same subvolume after a change to its files in the running transaction {@code running}: the
   * first change in a transaction moves the last one (committed, as it is older) to {@code
   * generation}.
   */
  Subvolume changed(long running) {
    if (running <= lastChange) {
      return this;
    }
    return new Subvolume(
        id, lastChange, createdGeneration, parentId, readOnly, uuid, parentUuid, path, running);
  }

  /**
   * The same subvolume after transaction {@code gen} committed a snapshot of it: Btrfs copies the
   * source's root in that commit, so its gen becomes {@code gen} too.
   */
  Subvolume snapshotted(long gen) {
    if (gen <= lastChange) {
      return this;
    }
    return new Subvolume(
        id, gen, createdGeneration, parentId, readOnly, uuid, parentUuid, path, gen);
  }

  /**
   * The same subvolume made read-only and renamed to {@code newPath}: what {@code btrfs property
   * set ro true} and a rename do, so ids, links and generations survive a commit (setting ro does
   * not change a subvolume's gen in Btrfs).
   */
  Subvolume committed(String newPath) {
    return new Subvolume(
        id, generation, createdGeneration, parentId, true, uuid, parentUuid, newPath, lastChange);
  }

  /**
   * This subvolume as {@code btrfs subvolume list} shows it when transaction {@code committed} is
   * the last one committed: {@code gen} is the last change's transaction once it committed, the one
   * before until then.
   */
  Subvolume visible(long committed) {
    long shown = lastChange <= committed ? lastChange : generation;
    return new Subvolume(
        id, shown, createdGeneration, parentId, readOnly, uuid, parentUuid, path, lastChange);
  }

  byte[] encode() {
    UUID p = parentUuid == null ? NONE : parentUuid;
    return ByteBuffer.allocate(ENCODED_LENGTH)
        .put(VERSION)
        .putLong(id)
        .putLong(generation)
        .putLong(createdGeneration)
        .putLong(parentId)
        .put((byte) (readOnly ? 1 : 0))
        .putLong(uuid.getMostSignificantBits())
        .putLong(uuid.getLeastSignificantBits())
        .putLong(p.getMostSignificantBits())
        .putLong(p.getLeastSignificantBits())
        .putLong(lastChange)
        .array();
  }

  /** Decodes the extension of snapshot {@code key}. */
  static Subvolume decode(byte[] extension, String key) {
    String where = "snapshot " + key;
    try {
      ByteBuffer b = ByteBuffer.wrap(extension);
      byte version = extension.length == 0 ? 0 : b.get();
      if (!(version == 1 && extension.length == V1_LENGTH)
          && !(version == VERSION && extension.length == ENCODED_LENGTH)) {
        throw new CorruptDataException(where + ": not a btrfs subvolume record", where);
      }
      long id = b.getLong();
      long gen = b.getLong();
      long cgen = b.getLong();
      long parentId = b.getLong();
      boolean ro = (b.get() & 1) != 0;
      UUID uuid = new UUID(b.getLong(), b.getLong());
      UUID parent = new UUID(b.getLong(), b.getLong());
      long lastChange = version == 1 ? gen : b.getLong();
      return new Subvolume(
          id, gen, cgen, parentId, ro, uuid, parent.equals(NONE) ? null : parent, key, lastChange);
    } catch (IllegalArgumentException | BufferUnderflowException e) {
      throw new CorruptDataException(where + ": damaged btrfs subvolume record", where, e);
    }
  }
}
