package io.strata.store.volume;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A host directory forces each change before it returns, unless changes are deferred (a mount's):
 * then the bytes reach the host at once and each file and directory changed is forced once, by the
 * next sync.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class HostDirectoryDurabilityTest {
  @TempDir Path dir;

  /** Every force, in order; each entry is the channel, still open when it was forced. */
  private final List<FileChannel> forced = new ArrayList<>();

  private HostDirectory root() throws IOException {
    return new HostDirectory(
        Files.createDirectories(dir.resolve("root")),
        false,
        "volume t",
        ch -> {
          assertThat(ch.isOpen()).isTrue();
          forced.add(ch);
        });
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void eachChangeIsForcedBeforeItReturnsWhenNothingIsDeferred() throws IOException {
    HostDirectory d = root();
    d.write("/f", 0, bytes("one"), 0, 3); // made: the file and its directory
    assertThat(forced).hasSize(2);
    d.write("/f", 3, bytes("two"), 0, 3);
    assertThat(forced).hasSize(3);
    d.append("/f", bytes("!"), 0, 1);
    d.truncate("/f", 2);
    assertThat(forced).hasSize(5);
    d.mkdir("/d", 0755);
    assertThat(forced).hasSize(6);
  }

  @Test
  void deferredWritesReachTheHostAtOnceAndAreForcedOncePerFileAtTheSync() throws IOException {
    HostDirectory d = root();
    d.deferSync(true);
    for (int i = 0; i < 100; i++) {
      d.write("/log", i * 4L, bytes("abcd"), 0, 4);
      d.write("/other", 0, bytes("x" + i), 0, ("x" + i).length());
    }
    d.append("/log", bytes("END"), 0, 3);
    d.mkdir("/sub", 0755);
    d.write("/sub/f", 0, bytes("in sub"), 0, 6);

    // Others on the host see every byte before any sync.
    Path host = dir.resolve("root");
    assertThat(Files.readString(host.resolve("log"))).hasSize(403).endsWith("abcdEND");
    assertThat(Files.readString(host.resolve("other"))).isEqualTo("x99");
    assertThat(Files.readString(host.resolve("sub/f"))).isEqualTo("in sub");
    assertThat(forced).isEmpty();

    d.sync();
    // log, other, the root (two files and a directory made in it), sub/f and sub: once each.
    assertThat(forced).hasSize(5);
    assertThat(forced).allSatisfy(ch -> assertThat(ch.isOpen()).isFalse());

    d.write("/log", 0, bytes("ABCD"), 0, 4);
    assertThat(forced).hasSize(5);
    d.sync();
    assertThat(forced).hasSize(6);
    d.sync();
    assertThat(forced).as("nothing changed since").hasSize(6);
  }

  @Test
  void anFsyncOfOneFileForcesThatFileAlone() throws IOException {
    HostDirectory d = root();
    d.write("/journal", 0, bytes("j"), 0, 1);
    d.write("/db", 0, bytes("d"), 0, 1);
    forced.clear();
    d.deferSync(true);
    d.write("/journal", 0, bytes("J"), 0, 1);
    d.write("/db", 0, bytes("D"), 0, 1);
    d.syncFile("/journal");
    assertThat(forced).hasSize(1);
    d.syncFile("/journal");
    assertThat(forced).as("forced already").hasSize(1);
    d.remove("/journal", false);
    d.syncFile("/"); // the directory, as fsync of it after an unlink
    assertThat(forced).hasSize(2);
    d.syncFile("/journal"); // gone: nothing to force, no error
    d.sync();
    assertThat(forced).as("the db file, left for its own sync").hasSize(3);
  }

  @Test
  void endingDeferralForcesWhatWasDeferred() throws IOException {
    HostDirectory d = root();
    d.deferSync(true);
    d.write("/a", 0, bytes("a"), 0, 1);
    d.overwrite("/a", new ByteArrayInputStream(bytes("whole")), 0);
    assertThat(forced).isEmpty();
    d.deferSync(false);
    assertThat(forced).hasSize(2); // the file and the directory it was made in
    d.write("/a", 0, bytes("b"), 0, 1);
    assertThat(forced).hasSize(3);
  }

  @Test
  void aViewKeepsABoundedNumberOfFilesOpenForItsSync() throws IOException {
    HostDirectory d = root();
    d.mkdir("/many", 0755);
    for (int i = 0; i < 10; i++) {
      d.write("/many/f" + i, 0, bytes("x"), 0, 1);
    }
    forced.clear();
    d.deferSync(true);
    int files = UnforcedChannels.MAX + 20;
    for (int i = 0; i < files; i++) {
      d.write("/many/g" + i, 0, bytes("y"), 0, 1);
    }
    // The directory and the first files fill the set; each file past it forces the eldest (the
    // directory too, kept again by the next file made in it).
    int atOnce = forced.size();
    assertThat(atOnce)
        .isBetween(files + 1 - UnforcedChannels.MAX, files + 2 - UnforcedChannels.MAX);
    d.sync();
    assertThat(forced).hasSize(atOnce + UnforcedChannels.MAX);
  }

  @Test
  void allViewsTogetherKeepABoundedNumberOfFilesOpenThenForceAtOnce() throws IOException {
    assertThat(UnforcedChannels.processMax(256)).isEqualTo(32);
    assertThat(UnforcedChannels.processMax(64)).isEqualTo(16);
    assertThat(UnforcedChannels.processMax(1 << 20)).isEqualTo(1024);
    assertThat(UnforcedChannels.processMax(-1)).isEqualTo(1024);

    int perView = 60;
    int room = UnforcedChannels.PROCESS_MAX - UnforcedChannels.keptInProcess();
    int writes = room + 10;
    List<HostDirectory> views = new ArrayList<>();
    for (int v = 0; v * perView < writes; v++) {
      HostDirectory d =
          new HostDirectory(
              Files.createDirectories(dir.resolve("v" + v)), false, "volume v" + v, forced::add);
      for (int i = 0; i < perView; i++) {
        d.write("/f" + i, 0, bytes("x"), 0, 1); // made while nothing is deferred
      }
      d.deferSync(true);
      views.add(d);
    }
    forced.clear();
    for (int n = 0; n < writes; n++) {
      views.get(n / perView).write("/f" + (n % perView), 0, bytes("y"), 0, 1);
    }
    assertThat(forced).as("forced at once past the process's bound").hasSize(writes - room);
    for (HostDirectory d : views) {
      d.deferSync(false);
    }
    assertThat(forced).hasSize(writes);
    assertThat(UnforcedChannels.PROCESS_MAX - UnforcedChannels.keptInProcess()).isEqualTo(room);
  }

  @Test
  void aDiscardedGroupGivesUpForcingButKeepsItsBytes() throws IOException {
    HostDirectory d = root();
    d.write("/f", 0, bytes("old"), 0, 3);
    forced.clear();
    d.deferSync(true);
    d.write("/f", 0, bytes("new"), 0, 3);
    d.discard();
    d.deferSync(false);
    assertThat(forced).isEmpty();
    assertThat(Files.readString(dir.resolve("root/f"))).isEqualTo("new");
  }

  @Test
  void aFailedForceIsReportedBySyncAndTheOtherFilesAreStillForced() throws IOException {
    List<FileChannel> tried = new ArrayList<>();
    boolean[] failFirst = {false};
    HostDirectory d =
        new HostDirectory(
            Files.createDirectories(dir.resolve("root")),
            false,
            "volume t",
            ch -> {
              tried.add(ch);
              if (failFirst[0] && tried.size() == 1) {
                throw new IOException("Input/output error");
              }
            });
    d.write("/a", 0, bytes("a"), 0, 1);
    d.write("/b", 0, bytes("b"), 0, 1);
    tried.clear();
    failFirst[0] = true;
    d.deferSync(true);
    d.write("/a", 0, bytes("A"), 0, 1);
    d.write("/b", 0, bytes("B"), 0, 1);
    assertThatThrownBy(d::sync).hasMessageContaining("Input/output error");
    assertThat(tried).hasSize(2);
    assertThat(tried).allSatisfy(ch -> assertThat(ch.isOpen()).isFalse());
    d.sync();
    assertThat(tried).as("reported once, not kept").hasSize(2);
  }

  private static long openDescriptors() throws IOException {
    try (var fds = Files.list(Path.of("/proc/self/fd"))) {
      return fds.count();
    }
  }

  /**
   * The held root lists as often as asked: a directory stream's entries can be read once, and the
   * second listing of a volume's top directory through a mount failed with EIO (round 7, O1).
   */
  @Test
  void whileDeferredTheRootListsEveryTime() throws IOException {
    HostDirectory d = root();
    d.deferSync(true);
    d.write("/a", 0, bytes("a"), 0, 1);
    d.mkdir("/sub", 0755);
    for (int i = 0; i < 3; i++) {
      assertThat(d.list("/")).extracting(e -> e.name()).containsExactly("a", "sub");
    }
    d.write("/b", 0, bytes("b"), 0, 1);
    assertThat(d.list("/")).extracting(e -> e.name()).containsExactly("a", "b", "sub");
    assertThat(d.list("/sub")).isEmpty();
    d.deferSync(false);
  }

  @Test
  void whileDeferredTheRootIsHeldYetARootReplacedOnTheHostIsFollowedAndNothingLeaks()
      throws IOException {
    HostDirectory d = root();
    Path host = dir.resolve("root");
    long before = openDescriptors();
    d.deferSync(true);
    d.write("/a", 0, bytes("first"), 0, 5);
    // The host swaps the directory (a volume restored, a bind source replaced): later calls reach
    // the directory now at the path, as a walk from / would.
    Files.move(host, dir.resolve("old-root"));
    Files.createDirectory(host);
    d.write("/a", 0, bytes("second"), 0, 6);
    assertThat(Files.readString(host.resolve("a"))).isEqualTo("second");
    assertThat(Files.readString(dir.resolve("old-root/a"))).isEqualTo("first");
    Files.move(host, dir.resolve("gone"));
    assertThatThrownBy(() -> d.write("/a", 0, bytes("x"), 0, 1))
        .hasMessageContaining("volume t: directory " + host + " is missing or moved");
    assertThat(openDescriptors()).isGreaterThan(before);
    d.deferSync(false);
    assertThat(openDescriptors()).isEqualTo(before);
  }
}
