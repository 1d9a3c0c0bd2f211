package io.strata.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A real Debian root file system (bookworm, debootstrap's minbase variant: 8 device nodes in /dev,
 * dpkg's database, about 200 MB) as a tar, built once per machine with debootstrap from the Debian
 * mirror apt uses, and kept in {@code /var/tmp/strata-test} for later runs.
 */
final class DebianRootfs {
  private static final Path CACHE = Path.of("/var/tmp/strata-test");
  private static final Path TAR = CACHE.resolve("debian-bookworm-minbase.tar");

  private DebianRootfs() {}

  /** The tar, building it first if this machine has none (about a minute and 40 MB). */
  static synchronized Path tar() throws IOException, InterruptedException {
    if (Files.exists(TAR)) {
      return TAR;
    }
    assertThat(Path.of("/usr/sbin/debootstrap"))
        .as("debootstrap builds the Debian image: apt-get install debootstrap")
        .exists();
    Files.createDirectories(CACHE);
    Path work = Files.createTempDirectory(CACHE, "build");
    Path root = work.resolve("rootfs");
    Path log = CACHE.resolve("debootstrap.log");
    Cli.Result r =
        Cli.sh(
            String.join(
                " ",
                "debootstrap --variant=minbase",
                "--cache-dir=" + Files.createDirectories(CACHE.resolve("debs")),
                "bookworm",
                root.toString(),
                mirror(),
                ">",
                log.toString(),
                "2>&1"),
            900);
    assertThat(r.exit()).as("debootstrap (see %s): %s", log, r).isZero();
    Path tmp = work.resolve("rootfs.tar");
    Cli.Result t =
        Cli.sh("tar -C " + root + " --numeric-owner -cf " + tmp + " . && rm -rf " + root, 300);
    assertThat(t.exit()).as("tar of the root file system: %s", t).isZero();
    Files.move(tmp, TAR, StandardCopyOption.ATOMIC_MOVE);
    Cli.sh("rm -rf " + work, 60);
    return TAR;
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
