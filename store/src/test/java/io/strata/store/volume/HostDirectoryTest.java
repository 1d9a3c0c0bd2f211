package io.strata.store.volume;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.strata.store.error.AlreadyExistsException;
import io.strata.store.error.ConflictException;
import io.strata.store.error.InvalidArgumentException;
import io.strata.store.error.StrataException;
import io.strata.store.fs.FileStat;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** No path leads out of a host directory: not {@code ..}, not a symlink, not a swap race. */
class HostDirectoryTest {
  @TempDir Path dir;

  private static void put(HostDirectory d, String path, String s) throws IOException {
    byte[] b = s.getBytes(StandardCharsets.UTF_8);
    d.write(path, 0, b, 0, b.length);
  }

  private HostDirectory root() throws IOException {
    return new HostDirectory(Files.createDirectories(dir.resolve("root")), false, "bind mount t");
  }

  @Test
  void relativeSymlinksInsideResolveAndEscapesAreRefused() throws IOException {
    HostDirectory d = root();
    Path r = d.root();
    Files.createDirectories(r.resolve("a/b"));
    Files.createSymbolicLink(r.resolve("in"), Path.of("a/b"));
    Files.createSymbolicLink(r.resolve("a/up"), Path.of("../a"));
    Files.createSymbolicLink(r.resolve("abs"), r.resolve("a"));
    Files.createSymbolicLink(r.resolve("out"), Path.of("../.."));
    Files.createSymbolicLink(r.resolve("a/b/final"), Path.of("/etc/passwd"));

    put(d, "/in/f", "inside");
    assertThat(Files.readString(r.resolve("a/b/f"))).isEqualTo("inside");
    put(d, "/a/up/b/g", "up and in");
    assertThat(Files.readString(r.resolve("a/b/g"))).isEqualTo("up and in");

    assertThatThrownBy(() -> put(d, "/abs/x", "x")).isInstanceOf(ConflictException.class);
    assertThatThrownBy(() -> put(d, "/out/x", "x")).isInstanceOf(ConflictException.class);
    assertThatThrownBy(() -> put(d, "/a/b/final", "x")).isInstanceOf(ConflictException.class);
    assertThatThrownBy(() -> d.open("/a/b/final")).isInstanceOf(ConflictException.class);
    assertThatThrownBy(() -> put(d, "/../x", "x")).isInstanceOf(InvalidArgumentException.class);
    assertThat(dir.resolve("x")).doesNotExist();
    assertThat(d.stat("/a/b/final").linkTarget()).isEqualTo("/etc/passwd");
  }

  @Test
  void aReadOnlyDirectoryRefusesEveryChange() throws IOException {
    Path r = Files.createDirectories(dir.resolve("ro"));
    Files.writeString(r.resolve("f"), "x");
    HostDirectory d = new HostDirectory(r, true, "bind mount ro");
    assertThatThrownBy(() -> put(d, "/f", "y")).isInstanceOf(ConflictException.class);
    assertThatThrownBy(() -> d.remove("/f", false)).isInstanceOf(ConflictException.class);
    assertThatThrownBy(() -> d.mkdir("/d", 0755)).isInstanceOf(ConflictException.class);
    assertThat(Files.readString(r.resolve("f"))).isEqualTo("x");
  }

  @Test
  void aWriteAtAnOffsetKeepsTheRest() throws IOException {
    HostDirectory d = root();
    put(d, "/f", "0123456789");
    d.write("/f", 4, "ab".getBytes(StandardCharsets.UTF_8), 0, 2);
    assertThat(Files.readString(d.root().resolve("f"))).isEqualTo("0123ab6789");
  }

  /**
   * One thread keeps swapping directory {@code d} with a symlink to a directory outside; another
   * keeps writing {@code /d/f}. Every write lands inside or is refused; none lands outside. The
   * race runs until both outcomes have been seen many times, so that it really was a race.
   */
  /**
   * A character device (1:3, /dev/null) and a FIFO are made and given an owner, a mode and times
   * without being opened: opening the FIFO would block with no writer, so a regression hangs until
   * the deadline. Runs as root (CI does): mknod of a device needs CAP_MKNOD.
   */
  @Test
  @Timeout(value = 30, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
  void setuidSetgidAndStickyBitsAreKept() throws IOException {
    HostDirectory d = root();
    d.writeFile("/suid", new java.io.ByteArrayInputStream(new byte[] {1}), 04755, 0, 0, 0);
    d.mkdir("/shared", 03775);
    d.write("/f", 0, new byte[] {1}, 0, 1);
    d.chmod("/f", 02711);
    assertThat(Files.getAttribute(d.root().resolve("suid"), "unix:mode"))
        .isEqualTo(FileStat.S_IFREG | 04755);
    assertThat(Files.getAttribute(d.root().resolve("shared"), "unix:mode"))
        .isEqualTo(FileStat.S_IFDIR | 03775);
    assertThat(Files.getAttribute(d.root().resolve("f"), "unix:mode"))
        .isEqualTo(FileStat.S_IFREG | 02711);
    d.chmod("/f", 0644);
    assertThat(Files.getAttribute(d.root().resolve("f"), "unix:mode"))
        .isEqualTo(FileStat.S_IFREG | 0644);
  }

  @Test
  @Timeout(value = 30, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
  void devicesAndFifosAreMadeAndChangedWithoutOpeningThem() throws IOException {
    HostDirectory d = root();
    Path r = d.root();
    long mtime = 1_600_000_000_123_456_789L;
    d.mknod("/null", FileStat.S_IFCHR | 0640, (1L << 8) | 3);
    d.mknod("/pipe", FileStat.S_IFIFO | 0604, 0);
    for (String n : List.of("/null", "/pipe")) {
      d.chown(n, 1234, 5678);
      d.setTimes(n, mtime, mtime);
    }
    d.chmod("/pipe", 0620);

    Map<String, Object> dev =
        Files.readAttributes(
            r.resolve("null"), "unix:mode,rdev,uid,gid", LinkOption.NOFOLLOW_LINKS);
    assertThat((Integer) dev.get("mode")).isEqualTo(FileStat.S_IFCHR | 0640);
    assertThat((Long) dev.get("rdev")).isEqualTo((1L << 8) | 3);
    assertThat(dev.get("uid")).isEqualTo(1234);
    assertThat(dev.get("gid")).isEqualTo(5678);
    Map<String, Object> fifo =
        Files.readAttributes(
            r.resolve("pipe"), "unix:mode,uid,lastModifiedTime", LinkOption.NOFOLLOW_LINKS);
    assertThat((Integer) fifo.get("mode")).isEqualTo(FileStat.S_IFIFO | 0620);
    assertThat(fifo.get("uid")).isEqualTo(1234);
    assertThat(((FileTime) fifo.get("lastModifiedTime")).to(TimeUnit.NANOSECONDS)).isEqualTo(mtime);

    FileStat st = d.stat("/null");
    assertThat(st.isCharDevice()).isTrue();
    assertThat(st.rdev()).isEqualTo((1L << 8) | 3);
    assertThat(st.mtimeNanos()).isEqualTo(mtime);
    assertThat(d.stat("/pipe").isFifo()).isTrue();
    assertThatThrownBy(() -> d.mknod("/pipe", FileStat.S_IFIFO | 0600, 0))
        .isInstanceOf(AlreadyExistsException.class)
        .hasMessageContaining("/pipe");
    // reading or writing a FIFO's content would wait for a peer forever: refused instead
    assertThatThrownBy(() -> d.open("/pipe"))
        .isInstanceOf(ConflictException.class)
        .hasMessageContaining("/pipe is a FIFO or device node");
    assertThatThrownBy(() -> put(d, "/pipe", "x")).isInstanceOf(ConflictException.class);
    HostDirectory readOnly = new HostDirectory(r, true, "volume ro");
    assertThatThrownBy(() -> readOnly.mknod("/other", FileStat.S_IFIFO | 0600, 0))
        .isInstanceOf(ConflictException.class);
    assertThat(r.resolve("other")).doesNotExist();
  }

  @Test
  void aDirectorySwappedForASymlinkNeverLetsAWriteOut() throws Exception {
    HostDirectory d = root();
    Path r = d.root();
    Path outside = Files.createDirectories(dir.resolve("outside"));
    Path inner = Files.createDirectories(r.resolve("d"));
    Path aside = r.resolve("d-aside");
    AtomicBoolean stop = new AtomicBoolean();
    AtomicReference<Throwable> flipError = new AtomicReference<>();
    AtomicInteger flips = new AtomicInteger();
    Thread flipper =
        new Thread(
            () -> {
              try {
                while (!stop.get()) {
                  Files.move(inner, aside, StandardCopyOption.ATOMIC_MOVE);
                  Files.createSymbolicLink(inner, outside);
                  Files.delete(inner);
                  Files.move(aside, inner, StandardCopyOption.ATOMIC_MOVE);
                  flips.incrementAndGet();
                }
              } catch (IOException e) {
                flipError.set(e);
              }
            });
    flipper.start();
    int enough = 200;
    AtomicInteger landed = new AtomicInteger();
    AtomicInteger refused = new AtomicInteger();
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    try {
      while ((landed.get() < enough || refused.get() < enough || flips.get() < enough)
          && flipError.get() == null
          && System.nanoTime() < deadline) {
        try {
          put(d, "/d/f", "x");
          landed.incrementAndGet();
        } catch (StrataException e) {
          refused.incrementAndGet();
        }
        try {
          d.mkdir("/d/sub", 0755);
          d.remove("/d/sub", false);
        } catch (StrataException e) {
          refused.incrementAndGet();
        }
      }
    } finally {
      stop.set(true);
      flipper.join(Duration.ofSeconds(30).toMillis());
    }
    assertThat(flipper.isAlive()).as("the flipper stopped").isFalse();
    assertThat(flipError.get()).isNull();
    // What the design guarantees (docs/CONTAINERS.md, point 5): no file and no content ever lands
    // outside. An empty directory made in the mkdir window by a racing host process may.
    try (var found = Files.walk(outside)) {
      assertThat(found.filter(p -> !Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)))
          .as("files outside the root")
          .isEmpty();
    }
    assertThat(landed.get()).as("writes that landed while racing").isGreaterThanOrEqualTo(enough);
    assertThat(refused.get()).as("writes refused while racing").isGreaterThanOrEqualTo(enough);
    assertThat(flips.get()).as("swaps while writing").isGreaterThanOrEqualTo(enough);
    // The writes that landed, landed inside: the flipper always puts the directory back.
    assertThat(Files.readString(inner.resolve("f"))).isEqualTo("x");
  }
}
