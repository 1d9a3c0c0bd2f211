package io.strata.fuse;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The kernel's mount table as this process sees it ({@code /proc/self/mountinfo}), and the ways to
 * take a FUSE mount down: {@code umount -l} as root, else {@code fusermount3 -u -z} or {@code
 * fusermount -u -z} (the setuid helpers of Debian's {@code fuse3}).
 */
final class MountTable {
  private static final System.Logger LOG = System.getLogger(MountTable.class.getName());
  private static final Path MOUNTINFO = Path.of("/proc/self/mountinfo");

  /**
   * One line of the table.
   *
   * @param mountPoint where it is mounted
   * @param fsType the file system type ({@code fuse.strata} for ours)
   * @param source what the kernel shows as its source
   */
  record Entry(Path mountPoint, String fsType, String source) {
    boolean isFuse() {
      return fsType.equals("fuse") || fsType.startsWith("fuse.");
    }
  }

  private MountTable() {}

  /** Every mount of this process's mount namespace. */
  static List<Entry> entries() throws IOException {
    List<Entry> out = new ArrayList<>();
    for (String line : Files.readAllLines(MOUNTINFO, StandardCharsets.UTF_8)) {
      // id parent major:minor root mount-point options [optional...] - fstype source super-options
      String[] f = line.split(" ");
      int dash = line.indexOf(" - ");
      if (f.length < 5 || dash < 0) {
        continue;
      }
      String[] tail = line.substring(dash + 3).split(" ");
      out.add(
          new Entry(Path.of(unescape(f[4])), tail[0], tail.length > 1 ? unescape(tail[1]) : ""));
    }
    return out;
  }

  /** The mount at exactly {@code dir} (the last one, when several are stacked), or null. */
  static Entry at(Path dir) throws IOException {
    Entry found = null;
    for (Entry e : entries()) {
      if (e.mountPoint().equals(dir)) {
        found = e;
      }
    }
    return found;
  }

  /**
   * Whether the FUSE mount at {@code dir} has lost its server: every call on it that reaches the
   * kernel's FUSE connection fails with ENOTCONN ("Transport endpoint is not connected"), or
   * ECONNABORTED once the connection was aborted, as when the process that served it was killed. A
   * stat alone cannot tell: the kernel answers it from the attributes it cached (for up to an hour
   * on a read-only mount) without asking the server, so a statfs, which the kernel always sends to
   * the server, asks too. A server that does not answer within {@link #PROBE_PATIENCE} is not
   * called gone ({@link #probe}).
   */
  static boolean isStale(Path dir) {
    return probe(dir, PROBE_PATIENCE) == Probe.GONE;
  }

  /** What a probe of a FUSE mount found. */
  enum Probe {
    /** Its server answered. */
    ANSWERS,
    /** Its server is gone: the kernel says the connection is not there. */
    GONE,
    /**
     * Its server did not answer in time: alive but hung (out of heap, stopped), or busy. Such a
     * mount is left alone, as a live one is: detaching it would pull it from under its server.
     */
    SILENT
  }

  /**
   * How long a probe waits for a mount's server: a hung server's mount blocks every call on it in
   * the kernel, and a server that starts used to hang at its first probe of a second server's hung
   * mount (docs/ADVERSARIAL.md, O5).
   */
  static final Duration PROBE_PATIENCE = Duration.ofSeconds(2);

  /**
   * Probes the FUSE mount at {@code dir} on a thread of its own, waiting at most {@code patience}:
   * a call on a hung mount cannot be interrupted, so when the server never answers the thread stays
   * blocked in the kernel (a daemon, named after the mount) until the mount answers or goes.
   */
  static Probe probe(Path dir, Duration patience) {
    CompletableFuture<Boolean> gone = new CompletableFuture<>();
    Thread t =
        new Thread(
            () -> {
              try {
                gone.complete(lostServer(dir));
              } catch (Throwable e) { // handed to the caller waiting below
                gone.completeExceptionally(e);
              }
            },
            "mount probe " + dir);
    t.setDaemon(true);
    t.start();
    try {
      return gone.get(patience.toMillis(), TimeUnit.MILLISECONDS) ? Probe.GONE : Probe.ANSWERS;
    } catch (TimeoutException e) {
      LOG.log(
          System.Logger.Level.WARNING,
          "mount point {0}: its server did not answer in {1} ms; left alone",
          dir,
          patience.toMillis());
      return Probe.SILENT;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Probe.SILENT;
    } catch (ExecutionException e) {
      return Probe.ANSWERS; // lostServer itself answers false for what it cannot tell
    }
  }

  private static boolean lostServer(Path dir) {
    try {
      Files.readAttributes(dir, "unix:ino", java.nio.file.LinkOption.NOFOLLOW_LINKS);
      Files.getFileStore(dir).getTotalSpace();
      return false;
    } catch (IOException e) {
      String m = String.valueOf(e.getMessage());
      return m.contains("Transport endpoint is not connected")
          || m.contains("ENOTCONN")
          || m.contains("Software caused connection abort");
    } catch (UnsupportedOperationException | IllegalArgumentException e) {
      return false;
    }
  }

  /**
   * Detaches the mount at {@code dir} at once; the kernel finishes it when the last file on it is
   * closed (a lazy unmount, so a busy mount never blocks the caller).
   */
  static void detach(Path dir) throws IOException {
    List<List<String>> commands =
        List.of(
            List.of("umount", "-l", dir.toString()),
            List.of("fusermount3", "-u", "-z", dir.toString()),
            List.of("fusermount", "-u", "-z", dir.toString()));
    StringBuilder failures = new StringBuilder();
    for (List<String> cmd : commands) {
      if (at(dir) == null) {
        return;
      }
      try {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        if (!p.waitFor(10, TimeUnit.SECONDS)) {
          p.destroyForcibly();
          failures.append("; ").append(cmd.get(0)).append(": timed out");
        } else if (p.exitValue() != 0) {
          failures.append("; ").append(cmd.get(0)).append(": ").append(out);
        }
      } catch (IOException e) {
        failures.append("; ").append(cmd.get(0)).append(": ").append(e.getMessage());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("unmounting " + dir + ": interrupted", e);
      }
    }
    if (at(dir) != null) {
      throw new IOException("mount point " + dir + ": cannot unmount" + failures);
    }
    LOG.log(System.Logger.Level.DEBUG, "unmounted {0}{1}", dir, failures);
  }

  /** Undoes the octal escapes ({@code \040} for a space) of the mount table. */
  static String unescape(String s) {
    if (s.indexOf('\\') < 0) {
      return s;
    }
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '\\' && i + 3 < s.length()) {
        try {
          b.append((char) Integer.parseInt(s.substring(i + 1, i + 4), 8));
          i += 3;
          continue;
        } catch (NumberFormatException | StringIndexOutOfBoundsException e) {
          // not an escape: keep the backslash
        }
      }
      b.append(c);
    }
    return b.toString();
  }
}
