package io.strata.client.cli;

/**
 * One side of {@code strata cp}, parsed as {@code docker cp} does: {@code CONTAINER:PATH} names a
 * path in a container, anything starting with {@code /} or {@code .} or without a colon is a local
 * path, and {@code -} is a tar on standard input or output.
 *
 * @param container the container, or null for a local path
 * @param path the path: in a container always absolute (a relative one is taken from {@code /})
 */
record CopyPath(String container, String path) {
  /** The standard-stream side. */
  static final String STREAM = "-";

  /** Parses {@code arg}; a container side with an empty path is refused. */
  static CopyPath parse(String arg) {
    int colon = arg.indexOf(':');
    if (arg.startsWith("/") || arg.startsWith(".") || colon < 0) {
      return new CopyPath(null, arg);
    }
    if (colon == 0) {
      throw new IllegalArgumentException("cp: " + arg + " names no container before the colon");
    }
    String path = arg.substring(colon + 1);
    if (path.isEmpty()) {
      throw new IllegalArgumentException("cp: " + arg + " names no path after the colon");
    }
    return new CopyPath(arg.substring(0, colon), path.startsWith("/") ? path : "/" + path);
  }

  /** Whether this side is inside a container. */
  boolean inContainer() {
    return container != null;
  }

  /** Whether this side is standard input or output. */
  boolean stream() {
    return container == null && path.equals(STREAM);
  }

  /**
   * Whether the path ends in {@code /.}: Docker's way to copy a directory's content rather than the
   * directory itself.
   */
  boolean contentOnly() {
    return path.equals(".") || path.endsWith("/.");
  }

  /** Whether the path ends in a separator, which asks for an existing directory. */
  boolean directorySyntax() {
    return path.endsWith("/") || contentOnly();
  }

  /** How messages name it. */
  @Override
  public String toString() {
    return container == null ? path : container + ":" + path;
  }
}
