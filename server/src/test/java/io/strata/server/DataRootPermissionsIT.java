package io.strata.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.strata.protocol.HostPort;
import io.strata.server.registry.RegistryConfig;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The data root holds other people's data: every file the server makes in it is 0600 and every
 * directory 0700, whatever the umask (docs/ADVERSARIAL.md, U6a). A volume's {@code _data} and what
 * containers write there keep the modes containers give them, behind the 0700 {@code volumes/NAME}.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class DataRootPermissionsIT {
  private static final Set<PosixFilePermission> GROUP_OR_OTHERS =
      EnumSet.complementOf(
          EnumSet.of(
              PosixFilePermission.OWNER_READ,
              PosixFilePermission.OWNER_WRITE,
              PosixFilePermission.OWNER_EXECUTE));

  @TempDir Path dir;

  @Test
  void noFileOrDirectoryOfTheDataRootIsOpenToGroupOrOthers() throws Exception {
    Path data = dir.resolve("data");
    try (TestServer s =
        TestServer.start(
            ServerConfig.loopback(data)
                .withRegistry(RegistryConfig.plain(new HostPort("127.0.0.1", 0))))) {
      String registry = "127.0.0.1:" + s.server().registryAddress().getPort();
      Path ctx = Files.createDirectories(dir.resolve("ctx"));
      Files.writeString(ctx.resolve("a.txt"), "a");
      ok(s, "image", "import", ctx.toString(), "-t", "img:1");
      ok(s, "volume", "create", "v1");
      ok(s, "create", "--name", "c1", "-v", "v1:/data", "img:1");
      ok(s, "create", "--name", "c2", "-v", "/anon", "img:1");
      ok(s, "fs", "c1", "write", "--from", ctx.resolve("a.txt").toString(), "/b.txt");
      ok(s, "commit", "c1", "img:2");
      ok(s, "push", "img:2", registry + "/r/img:2", "--plain-http");
      ok(s, "pull", registry + "/img:1", "--plain-http");
      ok(s, "blob", "put", ctx.resolve("a.txt").toString());
      ok(s, "rmi", "img:2");
      ok(s, "gc");
    }
    List<String> open = new ArrayList<>();
    try (Stream<Path> all = Files.walk(data)) {
      for (Path p : (Iterable<Path>) all::iterator) {
        Path rel = data.relativize(p);
        boolean volumeContent =
            rel.getNameCount() >= 3
                && rel.getName(0).toString().equals("volumes")
                && rel.getName(2).toString().equals("_data");
        if (volumeContent || Files.isSymbolicLink(p)) {
          continue;
        }
        Set<PosixFilePermission> perms =
            Files.getPosixFilePermissions(p, LinkOption.NOFOLLOW_LINKS);
        if (!java.util.Collections.disjoint(perms, GROUP_OR_OTHERS)) {
          open.add(rel + " " + PosixFilePermissions.toString(perms));
        }
      }
    }
    assertThat(open).as("data-root paths open to group or others").isEmpty();
    try (Stream<Path> all = Files.walk(data)) {
      assertThat(all.count()).as("the operations made files to check").isGreaterThan(20);
    }
  }

  private static void ok(TestServer s, String... args) {
    TestServer.CliRun r = s.cli(args);
    assertThat(r.code()).as(String.join(" ", args) + ": " + r.stderr()).isZero();
  }
}
