package io.strata.store.fs;

import io.strata.store.error.InvalidArgumentException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** Checks and splits the paths users give: absolute, no {@code ..}, no NUL, names ≤ 255 bytes. */
public final class PathNames {
  public static final int MAX_NAME = 255;
  public static final int MAX_PATH = 4096;

  /** The longest symlink target, in bytes: Linux's PATH_MAX less its NUL. */
  public static final int MAX_SYMLINK = 4095;

  /** The path of {@code name} in directory {@code dir} (a normalized path). */
  public static String child(String dir, String name) {
    return dir.equals("/") ? "/" + name : dir + "/" + name;
  }

  private PathNames() {}

  /** The components of {@code path}; {@code /} gives none. */
  public static List<String> split(String path) {
    if (path == null || path.isEmpty() || path.charAt(0) != '/') {
      throw new InvalidArgumentException("path " + quote(path) + ": must be absolute");
    }
    if (path.length() > MAX_PATH) {
      throw new InvalidArgumentException(
          "path " + quote(path.substring(0, 40)) + "…: longer than " + MAX_PATH + " bytes");
    }
    if (path.indexOf('\0') >= 0) {
      throw new InvalidArgumentException("path " + quote(path) + ": contains a NUL byte");
    }
    List<String> parts = new ArrayList<>();
    for (String p : path.split("/")) {
      if (p.isEmpty() || p.equals(".")) {
        continue;
      }
      if (p.equals("..")) {
        throw new InvalidArgumentException("path " + quote(path) + ": '..' is not allowed");
      }
      checkName(p, path);
      parts.add(p);
    }
    return parts;
  }

  /** Throws unless {@code name} is a valid single name. */
  public static void checkName(String name, String path) {
    if (name.getBytes(StandardCharsets.UTF_8).length > MAX_NAME) {
      throw new InvalidArgumentException(
          "path " + quote(path) + ": a name is longer than " + MAX_NAME + " bytes");
    }
  }

  /** {@code path} in normal form: {@code /a/b}. */
  public static String normalize(String path) {
    return "/" + String.join("/", split(path));
  }

  private static String quote(String s) {
    return s == null ? "(none)" : "'" + s.replace("\0", "\\0") + "'";
  }
}
