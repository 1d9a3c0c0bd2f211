package io.strata.store.disk;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * This process's limit of open files, which the store's users of descriptors share out (open packs,
 * host files kept for a mount's sync) so that none of them can take what the others need.
 */
public final class OpenFileLimit {
  private OpenFileLimit() {}

  /** The soft limit of open files ("Max open files" in /proc/self/limits); -1 if unknown. */
  public static long soft() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/limits"))) {
        if (line.startsWith("Max open files")) {
          String v = line.substring("Max open files".length()).trim().split("\\s+")[0];
          return v.equals("unlimited") ? -1 : Long.parseLong(v);
        }
      }
    } catch (IOException | RuntimeException e) {
      return -1;
    }
    return -1;
  }
}
