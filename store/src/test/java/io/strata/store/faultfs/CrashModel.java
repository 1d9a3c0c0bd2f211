package io.strata.store.faultfs;

/**
 * What survives a power cut on a {@link FaultFileSystem}. In every model a file's content (its
 * bytes and its size) is what its last {@code force} (fsync or fdatasync, not told apart) made
 * durable; the models differ in when directory entries become durable and whether unforced writes
 * may partly survive.
 */
public enum CrashModel {
  /**
   * What POSIX promises and nothing more (the model ALICE checks against): a create, rename, unlink
   * or mkdir is durable only once its directory is fsynced ({@code FileChannel.open(dir,
   * READ).force(true)}); an fsync of a file does not make its name durable, and a new directory
   * needs its parent fsynced too. Unforced writes are lost entirely.
   */
  STRICT(false, false),
  /**
   * Like ext4 with {@code data=ordered}: metadata operations go to one ordered journal, and any
   * fsync, of a file or a directory, commits every metadata operation issued before it (all
   * creates, renames and unlinks in every directory). File data is still durable only through that
   * file's own fsync, so a file renamed into place without one comes back empty (the ext4
   * zero-length-file problem). Unforced writes are lost entirely.
   */
  JOURNALED(true, false),
  /**
   * {@link #JOURNALED}, but each file keeps a random prefix of its writes and truncations since its
   * last fsync, the last kept write possibly cut at a 512-byte boundary: a torn write.
   */
  JOURNALED_TORN(true, true);

  private final boolean journaledMetadata;
  private final boolean tornWrites;

  CrashModel(boolean journaledMetadata, boolean tornWrites) {
    this.journaledMetadata = journaledMetadata;
    this.tornWrites = tornWrites;
  }

  /** Whether any fsync commits every earlier metadata operation. */
  boolean journaledMetadata() {
    return journaledMetadata;
  }

  /** Whether a crash keeps a random prefix of each file's unforced writes. */
  boolean tornWrites() {
    return tornWrites;
  }
}
