package io.strata.store.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A real Debian root file system (bookworm, debootstrap's minbase variant: 8 device nodes in /dev,
 * dpkg's database, about 200 MB) as a tar, built once per machine with debootstrap from the Debian
 * mirror apt uses, and kept in {@code /var/tmp/strata-test} for later runs. The store's klauspost
 * tests compress it and the server's containerd and registry ITs run it, each from whichever test
 * JVM asks first: a file lock in the cache directory makes the others (surefire's and failsafe's
 * forks may run at once) wait for that build rather than start their own.
 */
public final class DebianRootfs {
  /** Where the tar, debootstrap's downloads and its log are kept between runs. */
  public static final Path CACHE = Path.of("/var/tmp/strata-test");

  static final String TAR = "debian-bookworm-minbase.tar";
  private static final String WORK_PREFIX = "build";

  private DebianRootfs() {}

  /** The tar, building it first if this machine has none (about a minute and 40 MB). */
  public static Path tar() throws IOException, InterruptedException {
    return tar(CACHE);
  }

  /** The tar kept in {@code cache}, building it there first if it is missing. */
  static synchronized Path tar(Path cache) throws IOException, InterruptedException {
    Path tar = cache.resolve(TAR);
    if (Files.exists(tar)) {
      return tar;
    }
    Files.createDirectories(cache);
    // One JVM builds at a time; the synchronized guards this JVM's own threads, since a FileLock
    // is held by the whole JVM (a second lock() from it would throw, not wait). Closing the
    // channel releases the lock, also when the JVM dies.
    try (FileChannel lockFile =
        FileChannel.open(
            cache.resolve("debian-rootfs.lock"),
            StandardOpenOption.CREATE,
            StandardOpenOption.WRITE)) {
      lockFile.lock(); // waits while another JVM builds
      if (Files.exists(tar)) {
        return tar; // another JVM built it while this one waited
      }
      build(cache, tar);
      return tar;
    }
  }

  /** Builds the tar; the caller holds the cache's lock. */
  private static void build(Path cache, Path tar) throws IOException, InterruptedException {
    assertThat(Path.of("/usr/sbin/debootstrap"))
        .as("debootstrap builds the Debian image: apt-get install debootstrap")
        .exists();
    removeAbandonedBuilds(cache);
    Path work = Files.createTempDirectory(cache, WORK_PREFIX);
    Path root = work.resolve("rootfs");
    Path log = cache.resolve("debootstrap.log");
    int exit =
        run(
            log,
            15,
            "debootstrap",
            "--variant=minbase",
            "--cache-dir=" + Files.createDirectories(cache.resolve("debs")),
            "bookworm",
            root.toString(),
            mirror());
    assertThat(exit).as("debootstrap exit status (its output: %s)", log).isZero();
    Path tmp = work.resolve("rootfs.tar");
    Path tarLog = work.resolve("tar.log");
    exit =
        run(tarLog, 5, "tar", "-C", root.toString(), "--numeric-owner", "-cf", tmp.toString(), ".");
    assertThat(exit).as("tar of the root file system: %s", Files.readString(tarLog)).isZero();
    Files.move(tmp, tar, StandardCopyOption.ATOMIC_MOVE);
    run(null, 5, "rm", "-rf", work.toString());
  }

  /**
   * Work directories a killed or failed build left behind (no other build runs: we hold the lock).
   */
  private static void removeAbandonedBuilds(Path cache) throws IOException, InterruptedException {
    try (DirectoryStream<Path> old = Files.newDirectoryStream(cache, WORK_PREFIX + "*")) {
      for (Path p : old) {
        if (Files.isDirectory(p)) {
          run(null, 5, "rm", "-rf", p.toString());
        }
      }
    }
  }

  /**
   * Runs {@code command} with its output and errors written to {@code log} (or discarded when it is
   * null); its exit status, or -1 when it ran past {@code minutes} and was killed.
   */
  private static int run(Path log, long minutes, String... command)
      throws IOException, InterruptedException {
    Process p =
        new ProcessBuilder(command)
            .redirectErrorStream(true)
            .redirectOutput(
                log == null
                    ? ProcessBuilder.Redirect.DISCARD
                    : ProcessBuilder.Redirect.to(log.toFile()))
            .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
            .start();
    try {
      if (!p.waitFor(minutes, TimeUnit.MINUTES)) {
        kill(p);
        return -1;
      }
      return p.exitValue();
    } catch (InterruptedException e) {
      kill(p); // the test's deadline passed: leave no debootstrap running
      throw e;
    }
  }

  private static void kill(Process p) {
    p.descendants().forEach(ProcessHandle::destroyForcibly);
    p.destroyForcibly();
  }

  /** The first Debian mirror apt is configured with (CI reaches only that), else the default. */
  private static String mirror() throws IOException {
    Pattern uri = Pattern.compile("(?:^URIs:\\s*|^deb\\s+(?:\\[[^]]*]\\s+)?)(https?://\\S+)");
    for (Path p :
        List.of(
            Path.of("/etc/apt/sources.list.d/debian.sources"), Path.of("/etc/apt/sources.list"))) {
      if (Files.isReadable(p)) {
        for (String line : Files.readAllLines(p)) {
          Matcher m = uri.matcher(line.trim());
          if (m.find() && !m.group(1).contains("security")) {
            return m.group(1);
          }
        }
      }
    }
    return "http://deb.debian.org/debian";
  }
}
