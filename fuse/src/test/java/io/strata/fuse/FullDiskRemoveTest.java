package io.strata.fuse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.strata.store.fs.FileSystemView;
import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A file written through a mount until its data root is full, then removed through the mount, stays
 * removed: the fsync after the {@code rm} makes the removal durable and gc gives the space back
 * (docs/ADVERSARIAL.md, G6: the removal was held, failed in every background sync as the disk was
 * full, and was dropped at unmount, the file back).
 */
@Timeout(value = 4, unit = TimeUnit.MINUTES)
class FullDiskRemoveTest {
  @TempDir Path dir;

  @BeforeAll
  static void fuse() {
    MountedSnapshot.requireFuse();
  }

  @Test
  void aFileRemovedThroughTheMountOnAFullDiskStaysRemovedAndGcFreesItsSpace() throws Exception {
    Path small = Files.createDirectories(dir.resolve("small"));
    MountedSnapshot.ok("mount -t tmpfs -o size=80m tmpfs " + small);
    try {
      try (MountedSnapshot m = MountedSnapshot.open(small)) {
        Path big = m.path("big");
        MountedSnapshot.Run fill =
            MountedSnapshot.run("head -c 200M /dev/urandom > " + big + "; echo rc=$?");
        assertThat(fill.out()).as("the write meets the full disk").contains("No space left");
        MountedSnapshot.ok("rm -f " + big);
        assertThat(Files.exists(big)).isFalse();
        // The first fsync reports, as EIO or ENOSPC, what the full disk lost (the writes held
        // since the last sync: the file's tail, already refused to the writer); the removal is
        // durable.
        MountedSnapshot.Run first = MountedSnapshot.run("sync " + m.mountPoint);
        if (first.exit() != 0) {
          assertThat(first.out()).containsAnyOf("Input/output error", "No space left on device");
        }
        MountedSnapshot.ok("sync " + m.mountPoint);

        m.reopen();
        assertThat(Files.exists(big)).as("the removed file stays removed").isFalse();
        assertThat(m.engine.gc().bytesReclaimed()).as("gc frees the file's space").isPositive();
        Files.writeString(m.path("after"), "the disk has room again");
        MountedSnapshot.ok("sync " + m.path("after"));
      }
    } finally {
      MountedSnapshot.run("umount -l " + small);
    }
  }

  /**
   * A write that meets the full disk loses only itself, as on a kernel file system: what the mount
   * held before it (a removal of another file and a small write, both answered, neither synced)
   * stays (docs/ADVERSARIAL.md, T4: every held change was dropped, the removed file came back).
   */
  @Test
  void aWriteMeetingAFullDiskKeepsTheChangesHeldBeforeIt() throws Exception {
    Path small = Files.createDirectories(dir.resolve("small"));
    MountedSnapshot.ok("mount -t tmpfs -o size=80m tmpfs " + small);
    try {
      try (MountedSnapshot m = MountedSnapshot.open(small)) {
        Files.writeString(m.path("gone"), "removed before the disk filled");
        // Most of the disk filled and synced first, so that big fills the rest well within the
        // 64 MiB of writes after which a mount syncs on its own.
        MountedSnapshot.ok("head -c 50M /dev/urandom > " + m.path("filler"));
        MountedSnapshot.ok("sync " + m.path("filler") + " " + m.path("gone"));
        MountedSnapshot.ok("rm " + m.path("gone"));
        Files.writeString(m.path("held"), "written before the disk filled");
        Path big = m.path("big");
        MountedSnapshot.Run fill =
            MountedSnapshot.run("head -c 200M /dev/urandom > " + big + "; echo rc=$?");
        assertThat(fill.out()).as("the write meets the full disk").contains("No space left");
        MountedSnapshot.ok("rm -f " + big);
        // The first fsync may report the tail of big the write-behind had answered (a failed
        // write-back); the changes held before big are not lost with it.
        MountedSnapshot.Run first = MountedSnapshot.run("sync " + m.mountPoint);
        if (first.exit() != 0) {
          assertThat(first.out()).containsAnyOf("Input/output error", "No space left on device");
        }
        MountedSnapshot.ok("sync " + m.mountPoint);

        m.reopen();
        assertThat(Files.exists(m.path("gone"))).as("the removal held before").isFalse();
        assertThat(Files.readString(m.path("held"))).isEqualTo("written before the disk filled");
      }
    } finally {
      MountedSnapshot.run("umount -l " + small);
    }
  }

  @Test
  void aWriteFailingOnAFullDiskLeavesNothingThatBlocksTheRemovalAfterIt() throws Exception {
    Path small = Files.createDirectories(dir.resolve("small"));
    MountedSnapshot.ok("mount -t tmpfs -o size=80m tmpfs " + small);
    try (MountedSnapshot m = MountedSnapshot.open(small)) {
      // A snapshot changed through its view, each change durable at once (as `strata fs` does).
      m.driver().prepare("other", null, Map.of());
      FileSystemView fs = m.driver().fs("other");
      fs.writeFile("/big", new ByteArrayInputStream(new byte[0]), 0644, 0, 0, 0);
      byte[] mib = new byte[1 << 20];
      Random random = new Random(6);
      assertThatThrownBy(
              () -> {
                for (int i = 0; i < 200; i++) {
                  random.nextBytes(mib);
                  fs.write("/big", (long) i * mib.length, mib, 0, mib.length);
                }
              })
          .as("the writes meet the full disk")
          .hasMessageContaining("the disk is full");
      fs.remove("/big", false);
      assertThat(m.engine.gc().bytesReclaimed()).as("gc frees the file's space").isPositive();
    } finally {
      MountedSnapshot.run("umount -l " + small);
    }
  }
}
