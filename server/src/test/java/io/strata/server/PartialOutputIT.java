package io.strata.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.strata.client.StrataClient;
import io.strata.client.TransferListener;
import io.strata.client.cli.StrataCli;
import io.strata.protocol.HostPort;
import io.strata.protocol.message.ImportArgs;
import io.strata.store.testing.Tools;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The CLI as a process of its own, interrupted (SIGINT) or killed (SIGKILL) in the middle of
 * writing an output with {@code -o}: no hidden {@code .NAME.*.part} file or directory stays behind,
 * at once for an interrupt and at the next run for a kill. The transfer is held mid-way by stopping
 * the server (SIGSTOP), so the signal always lands while the output is being written. Outputs get
 * the modes the umask leaves, as docker's do.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class PartialOutputIT {
  private static final int BIG = 64 << 20;

  @TempDir Path dir;

  @Test
  void ctrlCDuringBlobGetRemovesThePartialFile() throws Exception {
    try (StratadProcess server = server()) {
      String digest = put(server, TestData.random(1, BIG));
      Path out = Files.createDirectories(dir.resolve("out"));
      Process cli = strata(null, server, "blob", "get", digest, "-o", out + "/copy.bin");
      try {
        assertThat(awaitPart(out, cli)).as(stderr(cli)).isTrue();
        signal("STOP", server.process());
        signal("INT", cli);
        assertThat(cli.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(cli.exitValue()).isEqualTo(130);
      } finally {
        signal("CONT", server.process());
        cli.destroyForcibly();
      }
      assertThat(names(out)).isEmpty();
    }
  }

  @Test
  void ctrlCDuringImageExportRemovesThePartialDirectory() throws Exception {
    try (StratadProcess server = server()) {
      byte[] layer = Tars.of(Map.of("data/big.bin", TestData.random(2, BIG)));
      try (StrataClient c = client(server)) {
        c.importImage(
            new ImportArgs("big:1", null, "big.tar"), o -> o.write(layer), TransferListener.NONE);
      }
      Path out = Files.createDirectories(dir.resolve("out"));
      Process cli = strata(null, server, "image", "export", "big:1", "-o", out + "/oci");
      try {
        assertThat(awaitPart(out, cli)).as(stderr(cli)).isTrue();
        signal("STOP", server.process());
        signal("INT", cli);
        assertThat(cli.waitFor(60, TimeUnit.SECONDS)).isTrue();
      } finally {
        signal("CONT", server.process());
        cli.destroyForcibly();
      }
      assertThat(names(out)).isEmpty();
    }
  }

  @Test
  void theNextRunRemovesWhatAKilledRunLeft() throws Exception {
    try (StratadProcess server = server()) {
      byte[] data = TestData.random(3, BIG);
      String digest = put(server, data);
      Path out = Files.createDirectories(dir.resolve("out"));
      // the temporary of a process that still runs (this one) is not the next run's to remove
      Path live = out.resolve(".copy.bin." + ProcessHandle.current().pid() + ".1.part");
      Files.write(live, new byte[] {1});
      Process cli = strata(null, server, "blob", "get", digest, "-o", out + "/copy.bin");
      try {
        assertThat(awaitPart(out, cli)).as(stderr(cli)).isTrue();
        signal("STOP", server.process());
        signal("KILL", cli);
        assertThat(cli.waitFor(60, TimeUnit.SECONDS)).isTrue();
      } finally {
        signal("CONT", server.process());
      }
      assertThat(names(out)).hasSize(2); // the kill left its temporary
      Process again = strata(null, server, "blob", "get", digest, "-o", out + "/copy.bin");
      assertThat(again.waitFor(120, TimeUnit.SECONDS)).isTrue();
      assertThat(again.exitValue()).as(stderr(again)).isZero();
      assertThat(names(out)).containsExactlyInAnyOrder("copy.bin", live.getFileName().toString());
      assertThat(Files.readAllBytes(out.resolve("copy.bin"))).isEqualTo(data);
    }
  }

  @Test
  void outputsTakeTheUmasksModes() throws Exception {
    try (StratadProcess server = server()) {
      String digest = put(server, TestData.random(4, 1 << 20));
      try (StrataClient c = client(server)) {
        byte[] layer = Tars.of("etc/motd", "hello\n");
        c.importImage(
            new ImportArgs("small:1", null, "small.tar"),
            o -> o.write(layer),
            TransferListener.NONE);
      }
      Path out = Files.createDirectories(dir.resolve("out"));
      for (String umask : List.of("022", "027")) {
        Path file = out.resolve("blob-" + umask);
        Path oci = out.resolve("oci-" + umask);
        Path tar = out.resolve("oci-" + umask + ".tar");
        run(strata(umask, server, "blob", "get", digest, "-o", file.toString()));
        run(strata(umask, server, "image", "export", "small:1", "-o", oci.toString()));
        run(strata(umask, server, "image", "export", "small:1", "-o", tar.toString()));
        String fileMode = umask.equals("022") ? "rw-r--r--" : "rw-r-----";
        String dirMode = umask.equals("022") ? "rwxr-xr-x" : "rwxr-x---";
        assertThat(mode(file)).isEqualTo(fileMode);
        assertThat(mode(tar)).isEqualTo(fileMode);
        assertThat(mode(oci)).isEqualTo(dirMode);
        assertThat(mode(oci.resolve("index.json"))).isEqualTo(fileMode);
        assertThat(mode(oci.resolve("blobs"))).isEqualTo(dirMode);
      }
    }
  }

  private StratadProcess server() throws Exception {
    StratadProcess s =
        StratadProcess.launch(dir.resolve("logs"), "--data", dir.resolve("data").toString());
    assertThat(s.awaitReady()).as(s.stderr()).isTrue();
    return s;
  }

  private static StrataClient client(StratadProcess s) throws Exception {
    return StrataClient.connect(new HostPort("127.0.0.1", s.port()), null);
  }

  private static String put(StratadProcess s, byte[] data) throws Exception {
    try (StrataClient c = client(s)) {
      return c.put(new ByteArrayInputStream(data), (long) data.length, TransferListener.NONE)
          .digest();
    }
  }

  /** {@code strata --host SERVER ARGS} as a process of its own, under {@code umask} if given. */
  private Process strata(String umask, StratadProcess server, String... args) throws IOException {
    List<String> cmd = new ArrayList<>();
    cmd.add("sh");
    cmd.add("-c");
    cmd.add((umask != null ? "umask " + umask + "; " : "") + "exec \"$@\"");
    cmd.add("sh");
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    cmd.add(StrataCli.class.getName());
    cmd.add("--host");
    cmd.add("127.0.0.1:" + server.port());
    cmd.addAll(List.of(args));
    Path err = Files.createTempFile(Files.createDirectories(dir.resolve("logs")), "strata", ".err");
    return new ProcessBuilder(cmd)
        .redirectOutput(ProcessBuilder.Redirect.DISCARD)
        .redirectError(err.toFile())
        .start();
  }

  private static void run(Process p) throws Exception {
    assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).isZero();
  }

  private static String stderr(Process p) {
    return "strata exited: " + (p.isAlive() ? "no" : p.exitValue());
  }

  /**
   * Waits until a {@code .*.part} of {@code cli} in {@code out} holds bytes; false if {@code cli}
   * ended first.
   */
  private static boolean awaitPart(Path out, Process cli) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
    while (System.nanoTime() < deadline && cli.isAlive()) {
      try (Stream<Path> s = Files.walk(out)) {
        if (s.anyMatch(
            p ->
                p.toString().contains("." + cli.pid() + ".")
                    && Files.isRegularFile(p)
                    && size(p) > 0)) {
          return true;
        }
      }
      Thread.sleep(20);
    }
    return false;
  }

  private static long size(Path p) {
    try {
      return Files.size(p);
    } catch (IOException e) {
      return 0;
    }
  }

  private static List<String> names(Path out) throws IOException {
    try (Stream<Path> s = Files.list(out)) {
      return s.map(p -> p.getFileName().toString()).toList();
    }
  }

  private static String mode(Path p) throws IOException {
    return PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
  }

  private static void signal(String signal, Process p) throws Exception {
    Tools.require("kill");
    Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(p.pid())).start();
    assertThat(kill.waitFor(30, TimeUnit.SECONDS)).isTrue();
  }
}
