package io.strata.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The class-data sharing archive the build writes next to stratad's jar (docs/PERF.md, "Fresh
 * server"): {@code bin/stratad} maps it, and the classes of the server's start and of its write
 * path come from it rather than from the jar.
 */
class ServerClassDataSharingIT {
  /** The checkout: failsafe runs in the module's directory. */
  private static final Path ROOT = Path.of("").toAbsolutePath().getParent();

  private static final Path ARCHIVE = ROOT.resolve("server/target/stratad.jsa");
  private static final String SHARED = "source: shared objects file";

  @TempDir Path dir;

  @Test
  @Timeout(180)
  void bin_stratad_maps_the_archive_for_the_server_and_its_write_path() throws Exception {
    assertThat(ARCHIVE).as("the build writes the archive next to the jar").exists();
    Path log = dir.resolve("classes.log");
    Path out = dir.resolve("out");
    ProcessBuilder pb =
        new ProcessBuilder(
            ROOT.resolve("bin/stratad").toString(),
            "--data",
            dir.resolve("data").toString(),
            "--listen",
            "127.0.0.1:0");
    // STRATAD_CDS=on: -Xshare:on, so an archive the JVM cannot map fails the start, not the speed.
    pb.environment().put("STRATAD_CDS", "on");
    pb.environment().put("STRATAD_JAVA_OPTS", "-Xlog:class+load=info:file=" + log);
    Process p = pb.redirectErrorStream(true).redirectOutput(out.toFile()).start();
    try {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
      while (!Files.readString(out, StandardCharsets.UTF_8).contains("stratad listening on ")) {
        assertThat(p.isAlive())
            .as("stratad runs: %s", Files.readString(out, StandardCharsets.UTF_8))
            .isTrue();
        assertThat(System.nanoTime()).as("stratad is ready within 2 minutes").isLessThan(deadline);
        Thread.sleep(50);
      }
    } finally {
      p.destroy();
      if (!p.waitFor(60, TimeUnit.SECONDS)) {
        p.destroyForcibly();
      }
    }
    String classes = Files.readString(log, StandardCharsets.UTF_8);
    // The server's own start, and classes the training's import loaded at open (the engine's
    // write path, netty's channel code).
    for (String name :
        List.of(
            "io.strata.server.Stratad ",
            "io.strata.store.engine.ChunkWriter ",
            "io.netty.channel.nio.NioIoHandler ")) {
      List<String> lines = classes.lines().filter(l -> l.contains("] " + name)).toList();
      assertThat(lines).as(name).singleElement().asString().contains(SHARED);
    }
    List<String> ours = classes.lines().filter(l -> l.contains("] io.strata.")).toList();
    long shared = ours.stream().filter(l -> l.contains(SHARED)).count();
    assertThat(shared).as("Strata's classes from the archive").isGreaterThan(ours.size() * 9L / 10);
  }
}
