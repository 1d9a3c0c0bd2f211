package io.strata.containerd;

import io.strata.store.error.InvalidArgumentException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * One {@code --containerd-socket}: the unix socket one containerd connects to, and the space its
 * snapshots and content live in. Each containerd needs a space of its own: its metadata gc removes
 * every snapshot of the space its own database does not name, and two daemons hand out the same
 * keys. The space is named by the operator ({@code NAME=PATH}), so it stays the same across
 * restarts and whatever order the options come in; a bare {@code PATH} is the space {@value
 * #DEFAULT_SPACE}, where the one socket of earlier versions kept everything.
 *
 * @param space {@value #DEFAULT_SPACE} or a name (letters and digits joined by single '.', '_' or
 *     '-')
 * @param path the socket's absolute, normalized path
 */
public record ContainerdSocket(String space, Path path) {
  /** The space of a socket given without a name. */
  public static final String DEFAULT_SPACE = Namespaces.SHARED;

  /** As containerd's identifiers, so a name holds neither '/' nor ':' (see {@link Namespaces}). */
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9]+(?:[._-][A-Za-z0-9]+)*");

  private static final int MAX_NAME = 76;

  public ContainerdSocket {
    path = path.toAbsolutePath().normalize();
  }

  /** A socket in the default space. */
  public static ContainerdSocket of(Path path) {
    return new ContainerdSocket(DEFAULT_SPACE, path);
  }

  /**
   * {@code NAME=PATH} or {@code PATH}. Text that starts with '/' or '.' is a path, '=' or not, so a
   * path holding '=' is written {@code ./a=b.sock} or absolute; other text holding '=' names a
   * space, and a name that is not one is refused.
   */
  public static ContainerdSocket parse(String text) {
    int eq = text.indexOf('=');
    if (eq < 0 || text.startsWith("/") || text.startsWith(".")) {
      return of(path(text, text));
    }
    String name = text.substring(0, eq);
    if (!name.equals(DEFAULT_SPACE)
        && (name.length() > MAX_NAME || !NAME.matcher(name).matches())) {
      throw new InvalidArgumentException(
          text
              + ": space name "
              + name
              + " must be at most 76 letters and digits joined by single '.', '_' or '-' (a path"
              + " holding '=' starts with / or ./)");
    }
    return new ContainerdSocket(name, path(text, text.substring(eq + 1)));
  }

  private static Path path(String text, String path) {
    if (path.isEmpty()) {
      throw new InvalidArgumentException(text + ": no socket path");
    }
    try {
      return Path.of(path);
    } catch (java.nio.file.InvalidPathException e) {
      throw new InvalidArgumentException(text + ": not a path: " + e.getReason());
    }
  }

  /**
   * Parses every option and refuses two sockets in one space (two containerds would share it, the
   * loss this keeps out) or one path given twice.
   */
  public static List<ContainerdSocket> parseAll(List<String> texts) {
    List<ContainerdSocket> out = new ArrayList<>();
    Map<String, String> spaces = new HashMap<>();
    Map<Path, String> paths = new HashMap<>();
    for (String text : texts) {
      ContainerdSocket s = parse(text);
      String before = spaces.putIfAbsent(s.space, text);
      if (before != null) {
        throw new InvalidArgumentException(
            text
                + ": space "
                + s.space
                + " is "
                + before
                + "'s already; each containerd needs a space of its own: give each socket a"
                + " name, NAME=PATH");
      }
      before = paths.putIfAbsent(s.path, text);
      if (before != null) {
        throw new InvalidArgumentException(
            text + ": socket " + s.path + " is " + before + "'s already");
      }
      out.add(s);
    }
    return List.copyOf(out);
  }

  /** This socket's space as {@code --containerd-socket} names it, with its path. */
  @Override
  public String toString() {
    return space.equals(DEFAULT_SPACE) ? path.toString() : space + "=" + path;
  }
}
