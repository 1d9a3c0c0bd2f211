package io.strata.client.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * The process's umask, and the modes it leaves of a new file ({@code 0666}) or directory ({@code
 * 0777}), as {@code open(2)} and {@code mkdir(2)} apply it. Java cannot ask for the umask, so this
 * reads Linux's {@code /proc/self/status}; elsewhere it assumes the common {@code 022}.
 */
final class Umask {
  /** The mode a new file asks for. */
  static final int FILE = 0666;

  /** The mode a new directory asks for. */
  static final int DIRECTORY = 0777;

  private static final int DEFAULT = 022;

  private static final PosixFilePermission[] BITS = {
    PosixFilePermission.OTHERS_EXECUTE,
    PosixFilePermission.OTHERS_WRITE,
    PosixFilePermission.OTHERS_READ,
    PosixFilePermission.GROUP_EXECUTE,
    PosixFilePermission.GROUP_WRITE,
    PosixFilePermission.GROUP_READ,
    PosixFilePermission.OWNER_EXECUTE,
    PosixFilePermission.OWNER_WRITE,
    PosixFilePermission.OWNER_READ
  };

  private Umask() {}

  /** This process's umask. */
  static int current() {
    try {
      List<String> lines = Files.readAllLines(Path.of("/proc/self/status"));
      for (String line : lines) {
        if (line.startsWith("Umask:")) {
          return Integer.parseInt(line.substring("Umask:".length()).trim(), 8);
        }
      }
    } catch (IOException | NumberFormatException e) {
      // not Linux, or a kernel before 4.7: the usual default
    }
    return DEFAULT;
  }

  /** {@code mode & ~umask} as permissions. */
  static Set<PosixFilePermission> apply(int mode) {
    return permissions(mode & ~current());
  }

  /** The permissions of the low nine bits of {@code mode}. */
  static Set<PosixFilePermission> permissions(int mode) {
    Set<PosixFilePermission> p = EnumSet.noneOf(PosixFilePermission.class);
    for (int bit = 0; bit < BITS.length; bit++) {
      if ((mode & (1 << bit)) != 0) {
        p.add(BITS[bit]);
      }
    }
    return p;
  }
}
