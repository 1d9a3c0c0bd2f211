package io.strata.store.faultfs;

/** The calls a {@link FaultFileSystem} counts and can fail. */
public enum OpKind {
  /** A new file, by an open with CREATE or CREATE_NEW. */
  CREATE(true),
  /** A new directory. */
  MKDIR(true),
  /** A write call on a channel (one call, however many bytes). */
  WRITE(true),
  /** A truncation that shortens a file (an open with TRUNCATE_EXISTING of a non-empty one too). */
  TRUNCATE(true),
  /** {@code force} of a file's channel: fsync. */
  FORCE(true),
  /** {@code force} of a directory's channel: fsync of the directory. */
  DIR_SYNC(true),
  /** A move (rename) of a file or directory. */
  RENAME(true),
  /** An unlink of a file or an rmdir. */
  DELETE(true),
  /** An open of an existing file or directory. */
  OPEN(false),
  /** A read call on a channel. */
  READ(false),
  /** A look-up: attributes, access check, directory listing. */
  LOOKUP(false);

  private final boolean mutating;

  OpKind(boolean mutating) {
    this.mutating = mutating;
  }

  /**
   * Whether the call changes or syncs the disk. Only these are numbered by {@link Op#call} and
   * count towards a power cut.
   */
  public boolean mutating() {
    return mutating;
  }
}
