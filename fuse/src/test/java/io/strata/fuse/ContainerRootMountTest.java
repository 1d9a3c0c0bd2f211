package io.strata.fuse;

import static org.assertj.core.api.Assertions.assertThat;

import io.strata.store.Engine;
import io.strata.store.engine.ChunkStore;
import io.strata.store.fs.FileStat;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A container's root file system (containerd's snapshot mounts) is mounted without {@code
 * nosuid,nodev}: an image's setuid program runs with its owner's id and its device nodes open, as
 * on overlayfs (docs/ADVERSARIAL.md, AJ1); a mount at a host directory (`strata mount`) stays
 * {@code nosuid,nodev}.
 */
@Timeout(60)
class ContainerRootMountTest {
  @TempDir Path dir;

  @BeforeAll
  static void fuse() {
    MountedSnapshot.requireFuse();
  }

  private static String sh(String cmd) throws Exception {
    return MountedSnapshot.run(cmd).out();
  }

  @Test
  void setuidProgramsAndDeviceNodesWorkInAContainerRootAndNotElsewhere() throws Exception {
    // nobody must reach the mount points to run what is in them
    Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
    Path root = Files.createDirectories(dir.resolve("root"));
    Path plain = Files.createDirectories(dir.resolve("plain"));
    try (Engine engine = Engine.open(dir.resolve("data"), "btrfs", ChunkStore.Options.defaults());
        FuseMounts mounts = new FuseMounts(dir.resolve("data"))) {
      for (String key : new String[] {"root", "plain"}) {
        engine.storage().prepare(key, null, Map.of());
        var view = engine.storage().fs(key);
        byte[] id = Files.readAllBytes(Path.of("/usr/bin/id"));
        view.write("/id", 0, id, 0, id.length);
        view.chmod("/id", 04755);
        view.mknod("/null", FileStat.S_IFCHR | 0666, (1L << 8) | 3);
      }
      mounts.mount(engine.storage().fs("root"), root, false, true);
      mounts.mount(engine.storage().fs("plain"), plain, false);

      String asNobody = "setpriv --reuid=65534 --regid=65534 --clear-groups ";
      assertThat(sh(asNobody + root.resolve("id") + " -u").strip())
          .as("the setuid program runs as its owner")
          .isEqualTo("0");
      assertThat(sh("head -c 1 " + root.resolve("null") + " | wc -c; echo ok").strip())
          .isEqualTo("0\nok");
      assertThat(sh("grep ' " + root + " ' /proc/self/mountinfo")).doesNotContain("nosuid");

      assertThat(sh(asNobody + plain.resolve("id") + " -u").strip()).isEqualTo("65534");
      assertThat(sh("head -c 1 " + plain.resolve("null"))).contains("Permission denied");
      assertThat(sh("grep ' " + plain + " ' /proc/self/mountinfo")).contains("nosuid,nodev");
    }
  }
}
