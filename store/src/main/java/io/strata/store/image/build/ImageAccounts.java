package io.strata.store.image.build;

import io.strata.store.error.InvalidArgumentException;
import io.strata.store.fs.FileSystemView;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

/**
 * Resolves the user and group names of {@code COPY --chown=user:group} as Docker does: numbers
 * stand for themselves, names are looked up in the {@code /etc/passwd} and {@code /etc/group} of
 * the image being built (not the host's), and a user given alone also names the group of the same
 * number. A name the image does not know is refused, naming it.
 */
final class ImageAccounts {
  /** Bounds the read of an account file: real ones are a few KiB. */
  private static final int MAX_FILE = 8 << 20;

  private final FileSystemView image;
  private final Instruction in;

  /** {@code image}: the build's file system so far, or null when it has no layer yet. */
  ImageAccounts(FileSystemView image, Instruction in) {
    this.image = image;
    this.in = in;
  }

  /** {@code user[:group]} as {@code {uid, gid}}. */
  int[] chown(String spec) throws IOException {
    String[] ug = spec.split(":", 2);
    if (ug[0].isEmpty()) {
      throw refuse("--chown=" + spec + ": no user");
    }
    int uid = id(ug[0], "/etc/passwd", "user");
    int gid = ug.length > 1 && !ug[1].isEmpty() ? id(ug[1], "/etc/group", "group") : uid;
    return new int[] {uid, gid};
  }

  private int id(String name, String file, String kind) throws IOException {
    if (name.chars().allMatch(Character::isDigit)) {
      try {
        return Integer.parseInt(name);
      } catch (NumberFormatException e) {
        throw refuse("--chown: " + kind + " id " + name + " is out of range", e);
      }
    }
    if (image == null || !image.exists(file)) {
      throw refuse("--chown: no " + kind + " " + name + " (the image has no " + file + ")");
    }
    byte[] bytes;
    try (InputStream s = image.open(file)) {
      bytes = s.readNBytes(MAX_FILE);
    }
    for (String line : new String(bytes, StandardCharsets.UTF_8).split("\n")) {
      String[] f = line.split(":", -1);
      if (f.length > 2 && f[0].equals(name)) {
        try {
          return Integer.parseInt(f[2].strip());
        } catch (NumberFormatException e) {
          throw refuse("--chown: " + file + " gives " + kind + " " + name + " no numeric id", e);
        }
      }
    }
    throw refuse("--chown: no " + kind + " " + name + " in the image's " + file);
  }

  private InvalidArgumentException refuse(String why) {
    return new InvalidArgumentException("Dockerfile line " + in.line() + ": " + why);
  }

  private InvalidArgumentException refuse(String why, Throwable cause) {
    return new InvalidArgumentException("Dockerfile line " + in.line() + ": " + why, cause);
  }
}
