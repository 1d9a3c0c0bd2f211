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
 * extension := u8 version(=1) u64 id u64 generation u64 createdGeneration u64 parentId
 *              u8 flags(bit 0: read-only) byte[16] uuid byte[16] parentUuid(all zeros: none)
 * </pre>
 *
 * @param id the subvolume id: {@value #FIRST_ID} and up, never reused
 * @param generation the transaction that last changed it (Btrfs {@code gen})
 * @param createdGeneration the transaction that made it (Btrfs {@code cgen}/{@code ogen})
 * @param parentId the id of the subvolume it was snapshotted from, 0 for a fresh one
 * @param readOnly whether it is read-only (committed snapshots and views)
 * @param uuid its own UUID
 * @param parentUuid the UUID of the subvolume it was snapshotted from, or null
 * @param path its path below the top level: the snapshot's key
 */
public record Subvolume(
    long id,
    long generation,
    long createdGeneration,
    long parentId,
    boolean readOnly,
    UUID uuid,
    UUID parentUuid,
    String path) {
  /** The id of the top-level subvolume ({@code BTRFS_FS_TREE_OBJECTID}), every subvolume's home. */
  public static final long TOP_LEVEL = 5;

  /** The first id handed out ({@code BTRFS_FIRST_FREE_OBJECTID}). */
  public static final long FIRST_ID = 256;

  private static final byte VERSION = 1;
  private static final int ENCODED_LENGTH = 1 + 4 * 8 + 1 + 16 + 16;
  private static final UUID NONE = new UUID(0, 0);

  public Subvolume {
    Objects.requireNonNull(uuid, "uuid");
    Objects.requireNonNull(path, "path");
    if (id < FIRST_ID || generation < createdGeneration || parentId < 0) {
      throw new IllegalArgumentException(
          "subvolume "
              + path
              + ": id "
              + id
              + ", generation "
              + generation
              + " (created "
              + createdGeneration
              + "), parent "
              + parentId);
    }
  }

  /** The same subvolume after a change in transaction {@code gen}. */
  Subvolume changed(long gen) {
    return new Subvolume(id, gen, createdGeneration, parentId, readOnly, uuid, parentUuid, path);
  }

  /**
   * The same subvolume made read-only and renamed to {@code newPath} in transaction {@code gen}:
   * what {@code btrfs property set ro true} and a rename do, so ids and links survive a commit.
   */
  Subvolume committed(String newPath, long gen) {
    return new Subvolume(id, gen, createdGeneration, parentId, true, uuid, parentUuid, newPath);
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
        .array();
  }

  /** Decodes the extension of snapshot {@code key}. */
  static Subvolume decode(byte[] extension, String key) {
    String where = "snapshot " + key;
    try {
      ByteBuffer b = ByteBuffer.wrap(extension);
      if (extension.length != ENCODED_LENGTH || b.get() != VERSION) {
        throw new CorruptDataException(where + ": not a btrfs subvolume record", where);
      }
      long id = b.getLong();
      long gen = b.getLong();
      long cgen = b.getLong();
      long parentId = b.getLong();
      boolean ro = (b.get() & 1) != 0;
      UUID uuid = new UUID(b.getLong(), b.getLong());
      UUID parent = new UUID(b.getLong(), b.getLong());
      return new Subvolume(
          id, gen, cgen, parentId, ro, uuid, parent.equals(NONE) ? null : parent, key);
    } catch (IllegalArgumentException | BufferUnderflowException e) {
      throw new CorruptDataException(where + ": damaged btrfs subvolume record", where, e);
    }
  }
}
