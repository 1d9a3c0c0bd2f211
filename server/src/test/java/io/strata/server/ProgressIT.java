package io.strata.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.strata.client.StrataClient;
import io.strata.client.TransferListener;
import io.strata.client.cli.StrataCli;
import io.strata.protocol.HostPort;
import io.strata.protocol.message.Json;
import io.strata.store.testing.Tools;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Progress as a person and a script see it: a bar with bytes, rate and ETA on a terminal (a pty
 * made by script(1)), nothing when stderr is piped (SPEC), plain lines and JSON events on request.
 */
@Timeout(value = 4, unit = TimeUnit.MINUTES)
class ProgressIT {
  @TempDir Path dir;

  @Test
  void aTerminalGetsABarThatIsClearedAtTheEnd() throws Exception {
    try (StratadProcess server =
        StratadProcess.launch(dir.resolve("logs"), "--data", dir.resolve("data").toString())) {
      assertThat(server.awaitReady()).as(server.stderr()).isTrue();
      byte[] data = TestData.random(11, 64 << 20);
      String digest;
      try (StrataClient c = StrataClient.connect(new HostPort("127.0.0.1", server.port()), null)) {
        digest =
            c.put(new ByteArrayInputStream(data), (long) data.length, TransferListener.NONE)
                .digest();
      }
      Path out = Files.createDirectories(dir.resolve("out"));
      Path typescript = dir.resolve("typescript");
      String strata =
          String.join(
              " ",
              Path.of(System.getProperty("java.home"), "bin", "java").toString(),
              "-cp",
              "'" + System.getProperty("java.class.path") + "'",
              StrataCli.class.getName(),
              "--host",
              "127.0.0.1:" + server.port(),
              "blob",
              "get",
              digest,
              "-o",
              out.resolve("copy").toString());
      // script(1) runs the CLI on a pty: stdin, stdout and stderr are a terminal
      Process cli =
          new ProcessBuilder("script", "-qefc", strata, typescript.toString())
              .redirectInput(ProcessBuilder.Redirect.PIPE)
              .redirectOutput(ProcessBuilder.Redirect.DISCARD)
              .redirectError(ProcessBuilder.Redirect.DISCARD)
              .start();
      try {
        assertThat(awaitPart(out, cli)).isTrue();
        // hold the transfer past the bar's quiet second, so the bar must be drawn
        signal("STOP", server.process());
        Thread.sleep(1_500);
        signal("CONT", server.process());
        assertThat(cli.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(cli.exitValue()).isZero();
      } finally {
        signal("CONT", server.process());
        cli.destroyForcibly();
      }
      String typed = Files.readString(typescript, StandardCharsets.ISO_8859_1);
      // between script's header line (the command) and its trailer
      String screen = typed.substring(typed.indexOf('\n') + 1, typed.lastIndexOf("Script done"));
      assertThat(screen)
          .contains("\rget [")
          .contains(" / 64.0 MiB ")
          // the rate's unit depends on how long the server was held: KiB/s or MiB/s
          .containsPattern("[0-9.]+ (B|KiB|MiB|GiB)/s")
          .contains("ETA ");
      assertThat(screen.replaceAll("[\r\n]+$", "")).endsWith("\r\033[K");
      assertThat(Files.readAllBytes(out.resolve("copy"))).isEqualTo(data);
    }
  }

  @Test
  void pipedStderrStaysQuietUnlessAsked() throws Exception {
    try (TestServer s = TestServer.start(dir.resolve("data"))) {
      Path file = TestData.write(dir, "f", TestData.random(12, 3 << 20));
      TestServer.CliRun quiet = s.cli("blob", "put", file.toString());
      assertThat(quiet.code()).isZero();
      assertThat(quiet.stderr()).isEmpty();
      TestServer.CliRun plain = s.cli("--progress", "plain", "blob", "put", file.toString());
      assertThat(plain.code()).isZero();
      assertThat(plain.stderr().lines().reduce((a, b) -> b).orElse(""))
          .startsWith("put 3.0 MiB / 3.0 MiB 100%");
      TestServer.CliRun json =
          s.cli(
              Map.of(),
              new ByteArrayInputStream(Files.readAllBytes(file)),
              "--progress",
              "json",
              "blob",
              "put",
              "-");
      assertThat(json.code()).isZero();
      List<String> lines = json.stderr().lines().toList();
      JsonNode summary =
          Json.tree(lines.get(lines.size() - 1).getBytes(StandardCharsets.UTF_8), "event");
      assertThat(summary.get("messageType").asText()).isEqualTo("summary");
      assertThat(summary.get("bytesDone").asLong()).isEqualTo(3 << 20);
      TestServer.CliRun bad = s.cli("--progress", "fancy", "blob", "put", file.toString());
      assertThat(bad.code()).isEqualTo(2);
      assertThat(bad.stderr()).startsWith("strata: --progress fancy: expected auto, plain, json");
    }
  }

  private static boolean awaitPart(Path out, Process cli) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
    while (System.nanoTime() < deadline && cli.isAlive()) {
      try (Stream<Path> s = Files.list(out)) {
        if (s.anyMatch(p -> p.getFileName().toString().endsWith(".part") && size(p) > 0)) {
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
    } catch (java.io.IOException e) {
      return 0;
    }
  }

  private static void signal(String signal, Process p) throws Exception {
    Tools.require("kill");
    Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(p.pid())).start();
    assertThat(kill.waitFor(30, TimeUnit.SECONDS)).isTrue();
  }
}
