package io.strata.store.image.layer;

import io.strata.store.error.InvalidArgumentException;

/**
 * The checks every name from an untrusted tar or directory passes before it touches a snapshot: no
 * absolute names, no {@code ..}, no link leaving the image root.
 */
public final class EntryPath {
  private EntryPath() {}

  /**
   * The absolute snapshot path ({@code /a/b}, or {@code /} for the root) of tar entry {@code name},
   * placed under {@code prefix}.
   */
  public static String of(String name, String prefix) {
    if (name.startsWith("/") && !namesRoot(name)) {
      throw new InvalidArgumentException("layer entry " + name + ": absolute paths are refused");
    }
    StringBuilder out = new StringBuilder(prefix.equals("/") ? "" : prefix);
    for (String part : name.split("/")) {
      if (part.isEmpty() || part.equals(".")) {
        continue;
      }
      if (part.equals("..")) {
        throw new InvalidArgumentException("layer entry " + name + ": path leaves the image root");
      }
      if (part.indexOf('\0') >= 0) {
        throw new InvalidArgumentException("layer entry " + name + ": NUL byte in the name");
      }
      out.append('/').append(part);
    }
    return out.length() == 0 ? "/" : out.toString();
  }

  /**
   * Whether {@code name} is only the root ({@code /}, {@code /.}): {@code umoci insert} writes the
   * root directory's entry so, and it names nothing outside the image.
   */
  private static boolean namesRoot(String name) {
    for (String part : name.split("/")) {
      if (!part.isEmpty() && !part.equals(".")) {
        return false;
      }
    }
    return true;
  }

  /**
   * Refuses a symlink target that is no path (empty, or with a NUL). A relative target that climbs
   * above the root is a path like any other: every resolver of Strata's stops {@code ..} at the
   * root, as the kernel does in a container, so {@code ../etc/os-release} at {@code /osr} is {@code
   * /etc/os-release}, as {@code /../etc/os-release} always was; a layer, a directory or a commit
   * holding one is taken as Docker takes it (until 2026-12-07 it was refused, so a container whose
   * program made one could never be committed, and its export did not import: docs/ADVERSARIAL.md,
   * AF3). {@code entry} names the entry in the refusal; {@code path} is where the link is.
   */
  public static void checkSymlink(String entry, String path, String target) {
    if (target.isEmpty() || target.indexOf('\0') >= 0) {
      throw new InvalidArgumentException(
          "layer entry " + entry + ": symlink target '" + target + "' is not a valid path");
    }
  }

  /** The parent of absolute {@code path} ({@code /} for a top-level name). */
  public static String parent(String path) {
    int i = path.lastIndexOf('/');
    return i <= 0 ? "/" : path.substring(0, i);
  }

  /** The last name of absolute {@code path}. */
  public static String name(String path) {
    return path.substring(path.lastIndexOf('/') + 1);
  }

  /** {@code dir/name}. */
  public static String join(String dir, String name) {
    return dir.equals("/") ? "/" + name : dir + "/" + name;
  }
}
