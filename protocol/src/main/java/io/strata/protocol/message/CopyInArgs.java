package io.strata.protocol.message;

/**
 * Arguments of {@code container.cp-in}.
 *
 * @param container the container: its id, a unique id prefix, or its name
 * @param path an absolute path inside it (DEST); its symlinks, the last one included, are followed
 *     inside the container's root, as docker cp evaluates a destination link
 * @param form what the tar holds: {@link #NAMED} (null: the default), {@link #CONTENT} or {@link
 *     #STREAM}
 */
public record CopyInArgs(String container, String path, String form) {
  /**
   * One top entry named after a local SRC: into an existing directory DEST it keeps its name, else
   * it takes DEST's.
   */
  public static final String NAMED = "named";

  /**
   * One top directory whose content is copied ({@code cp SRC/. C:DEST}): into an existing directory
   * DEST its entries go without the top name, else DEST is made as that directory.
   */
  public static final String CONTENT = "content";

  /** Any tar ({@code cp - C:DEST}): DEST must be an existing directory, the tar unpacked in it. */
  public static final String STREAM = "stream";

  /** A form left out is {@link #NAMED}. */
  public CopyInArgs {
    form = form == null ? NAMED : form;
  }
}
