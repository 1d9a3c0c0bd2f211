package io.strata.containerd;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The process at the other end of a connection, as the kernel tells it (SO_PEERCRED): its pid and
 * uid, and when it started (field 22 of {@code /proc/PID/stat}), which tells a process from a later
 * one that was given the same pid.
 *
 * @param pid the process id, in stratad's pid namespace (0 when the peer's is not visible from it)
 * @param uid its user id
 * @param started its start time in clock ticks since boot, or null when it could not be read
 */
record Peer(int pid, int uid, String started) {
  /** The peer of {@code pid} and {@code uid}, its start time read now. */
  static Peer of(int pid, int uid) {
    return new Peer(pid, uid, startTime(pid));
  }

  /** Whether this very process still runs: its pid names a process that started when it did. */
  boolean alive() {
    return started != null && started.equals(startTime(pid));
  }

  /**
   * The start time of process {@code pid}, or null when there is none. The command name (field 2)
   * may hold spaces and parentheses, so fields are counted after its last ')'.
   */
  static String startTime(int pid) {
    if (pid <= 0) {
      return null;
    }
    String stat;
    try {
      stat =
          Files.readString(Path.of("/proc", Integer.toString(pid), "stat"), StandardCharsets.UTF_8);
    } catch (IOException e) {
      return null;
    }
    int close = stat.lastIndexOf(')');
    if (close < 0) {
      return null;
    }
    String[] fields = stat.substring(close + 1).trim().split(" ");
    // fields[0] is field 3 (state); field 22 (starttime) is fields[19]
    return fields.length > 19 ? fields[19] : null;
  }
}
