package io.strata.protocol.message;

/**
 * Arguments of {@code fs.change}: one change of a container's file system without a payload.
 *
 * @param container the container: its id, a unique id prefix, or its name
 * @param op what to do, one of the constants below
 * @param path the absolute path it applies to
 * @param target {@code mv}: the new path; {@code ln}: the existing file (hard link) or the link's
 *     text (symbolic)
 * @param mode {@code mkdir}, {@code chmod}: permission bits; null: 0755 for mkdir
 * @param size {@code truncate}: the new length
 * @param recursive {@code rm}: remove a directory with everything under it
 * @param parents {@code mkdir}: make missing parents, and accept an existing directory
 * @param symbolic {@code ln}: make a symbolic link instead of a hard link
 */
public record FsChangeArgs(
    String container,
    String op,
    String path,
    String target,
    Integer mode,
    Long size,
    Boolean recursive,
    Boolean parents,
    Boolean symbolic) {
  /** Flags left out are false. */
  public FsChangeArgs {
    recursive = Boolean.TRUE.equals(recursive);
    parents = Boolean.TRUE.equals(parents);
    symbolic = Boolean.TRUE.equals(symbolic);
  }

  /** Removes a file, a link or (recursive, or empty) a directory. */
  public static final String RM = "rm";

  /** Makes a directory. */
  public static final String MKDIR = "mkdir";

  /** Renames {@code path} to {@code target}. */
  public static final String MV = "mv";

  /** Makes {@code path} a link to {@code target}. */
  public static final String LN = "ln";

  /** Sets permission bits. */
  public static final String CHMOD = "chmod";

  /** Sets a regular file's length. */
  public static final String TRUNCATE = "truncate";
}
