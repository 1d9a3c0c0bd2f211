package io.strata.server.handler;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/**
 * How many client connections the process's file descriptors allow. Each connection holds one; the
 * store holds one per pack and opens more as it works (a new pack, spool files, checkpoints, driver
 * records), and the registry's and containerd's connections take theirs. With {@code ulimit -n 256}
 * and the fixed cap of 1024, idle connections could take every descriptor, and the store then
 * failed to open what it needed. So the cap is at most half of the descriptors still free once the
 * data root is open: the other half stays for the store.
 */
public final class DescriptorBudget {
  private static final Path LIMITS = Path.of("/proc/self/limits");
  private static final Path FDS = Path.of("/proc/self/fd");

  /** The process's descriptors: its soft limit, and how many are open (-1: unknown). */
  public record Descriptors(long limit, long open) {
    /** The connection cap these allow, {@code configured} at most. */
    public int connectionCap(int configured) {
      if (limit < 0 || open < 0) {
        return configured;
      }
      return (int) Math.max(1, Math.min(configured, (limit - open) / 2));
    }
  }

  private DescriptorBudget() {}

  /** This process's descriptors, from /proc; unknown (-1) where /proc does not say. */
  public static Descriptors ofThisProcess() {
    long limit;
    try {
      limit = softLimit(Files.readString(LIMITS));
    } catch (IOException e) {
      limit = -1;
    }
    long open;
    try (Stream<Path> fds = Files.list(FDS)) {
      open = fds.count();
    } catch (IOException e) {
      open = -1;
    }
    return new Descriptors(limit, open);
  }

  /**
   * The soft limit of open files in the text of /proc/PID/limits ("Max open files 256 256 files");
   * -1 if it is unlimited or not there.
   */
  static long softLimit(String limits) {
    for (String line : limits.split("\n")) {
      if (line.startsWith("Max open files")) {
        String[] f = line.substring("Max open files".length()).trim().split("\\s+");
        try {
          return Long.parseLong(f[0]);
        } catch (NumberFormatException e) {
          return -1; // "unlimited"
        }
      }
    }
    return -1;
  }
}
