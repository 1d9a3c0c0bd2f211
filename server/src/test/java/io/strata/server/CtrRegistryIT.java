package io.strata.server;

import static io.strata.server.Commands.run;
import static org.assertj.core.api.Assertions.assertThat;

import io.strata.protocol.HostPort;
import io.strata.server.registry.RegistryConfig;
import io.strata.store.testing.Tools;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * containerd's {@code ctr} pulls from and pushes to {@code stratad --registry} over plain HTTP,
 * against a containerd of the test's own (its root, state and socket in a temporary directory).
 * Fails, saying why, where containerd or ctr is not installed or the test is not root (CI installs
 * them and runs as root): it never skips. A one-file image, so it takes a second or two.
 */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class CtrRegistryIT {
  @TempDir Path dir;

  @Test
  void ctrPullsAndPushes() throws Exception {
    Tools.require("containerd", "ctr");
    assertThat(System.getProperty("user.name"))
        .as("containerd needs root; CI runs this test as root")
        .isEqualTo("root");
    Path c = dir.resolve("c");
    Files.createDirectories(c);
    Path sock = c.resolve("c.sock");
    Files.writeString(
        c.resolve("config.toml"),
        "version = 2\nroot = \""
            + c.resolve("root")
            + "\"\nstate = \""
            + c.resolve("state")
            + "\"\n"
            + "disabled_plugins = [\"io.containerd.grpc.v1.cri\"]\n"
            + "[grpc]\n  address = \""
            + sock
            + "\"\n"
            + "[ttrpc]\n  address = \""
            + c.resolve("t.sock")
            + "\"\n");
    Process containerd =
        new ProcessBuilder("containerd", "--config", c.resolve("config.toml").toString())
            .redirectErrorStream(true)
            .redirectOutput(c.resolve("log").toFile())
            .start();
    try (TestServer s =
        TestServer.start(
            ServerConfig.loopback(dir.resolve("data"))
                .withRegistry(RegistryConfig.plain(new HostPort("127.0.0.1", 0))))) {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (!Files.exists(sock) && System.nanoTime() < deadline) {
        Thread.sleep(100);
      }
      assertThat(sock).as("containerd's socket").exists();
      String r = "127.0.0.1:" + s.server().registryAddress().getPort();
      Path tar = dir.resolve("one.tar");
      Files.write(tar, Tars.of("etc/one", "one\n"));
      assertThat(s.cli("image", "import", tar.toString(), "-t", "src/one:1").code()).isZero();
      var push = s.cli("push", "src/one:1", r + "/ctr/src:1", "--plain-http");
      assertThat(push.code()).as(push.stderr()).isZero();
      List<String> ctr = new ArrayList<>(List.of("ctr", "-a", sock.toString()));
      run(cat(ctr, "images", "pull", "--plain-http", r + "/ctr/src:1"));
      run(cat(ctr, "images", "tag", r + "/ctr/src:1", r + "/ctr/pushed:1"));
      run(cat(ctr, "images", "push", "--plain-http", r + "/ctr/pushed:1"));
      assertThat(s.cli("image", "ls").out()).contains("ctr/pushed");
      try (RawHttp h = new RawHttp(s.server().registryAddress())) {
        assertThat(h.send("GET /v2/ctr/pushed/tags/list HTTP/1.1\nHost: r", null).read().text())
            .contains("\"1\"");
      }
    } finally {
      containerd.destroy();
      if (!containerd.waitFor(10, TimeUnit.SECONDS)) {
        containerd.destroyForcibly();
      }
    }
  }

  private static String[] cat(List<String> base, String... more) {
    List<String> all = new ArrayList<>(base);
    all.addAll(List.of(more));
    return all.toArray(String[]::new);
  }
}
