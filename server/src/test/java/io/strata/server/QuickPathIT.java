package io.strata.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.strata.client.cli.QuickCommand;
import io.strata.client.cli.StrataCli;
import io.strata.client.cli.Terminal;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The CLI's quick path (docs/PERF.md, "CLI startup") against a real stratad: every vector it takes
 * prints and exits exactly as picocli's path does, every vector it should take it takes, and a real
 * {@code bin/strata} run of it loads neither picocli nor jackson-databind.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class QuickPathIT {
  /** The checkout: failsafe runs in the module's directory. */
  private static final Path ROOT = Path.of("").toAbsolutePath().getParent();

  @TempDir Path dir;

  private record Run(int code, String out, String err) {}

  private static Run run(boolean quick, Map<String, String> env, String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    Terminal t =
        new Terminal(
            new ByteArrayInputStream(new byte[0]),
            out,
            new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8),
            env,
            false);
    int code = quick ? QuickCommand.run(args, t) : StrataCli.run(args, t);
    return new Run(
        code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  /**
   * Runs each vector both ways under {@code env}: the quick path must take it ({@code taken}) or
   * leave it, untouched, to picocli; what it prints and exits with must be picocli's, byte for
   * byte.
   */
  private static List<Run> compare(Map<String, String> env, boolean taken, List<List<String>> all) {
    List<Run> picocli = new ArrayList<>();
    for (List<String> v : all) {
      String[] args = v.toArray(String[]::new);
      Run quick = run(true, env, args);
      Run slow = run(false, env, args);
      String as = String.join(" ", v) + " under " + env;
      if (!taken) {
        assertThat(quick).as(as + ": left to picocli").isEqualTo(new Run(-1, "", ""));
      } else {
        assertThat(quick.code()).as(as + ": taken by the quick path").isNotEqualTo(-1);
        assertThat(quick).as(as).isEqualTo(slow);
      }
      picocli.add(slow);
    }
    return picocli;
  }

  private static List<List<String>> vectors(String... lines) {
    List<List<String>> all = new ArrayList<>();
    for (String line : lines) {
      all.add(List.of(line.split("  ")));
    }
    return all;
  }

  /** What scripts run: every option of the quick grammar, alone and together. */
  private static final List<List<String>> TAKEN =
      vectors(
          "ps",
          "container  ls",
          "container  ps",
          "container  list",
          "images",
          "image  ls",
          "image  list",
          "ps  -a",
          "ps  -s",
          "ps  --all  --size",
          "ps  -q",
          "ps  -aq",
          "ps  -qas",
          "ps  --no-trunc",
          "ps  --quiet  --no-trunc",
          "ps  --format  {{.ID}}\\t{{.Names}}\\t{{.Size}}",
          "ps  --format=table",
          "ps  --format  table {{.Names}}\\t{{.Image}}\\t{{.CreatedAt}}",
          "ps  --format  {{.Nope}}",
          "ps  --format  {{if .ID}}x{{end}}",
          "ps  -f  name=we",
          "ps  -f  name=we  -f  name=other",
          "ps  --filter  ancestor=base:1  --filter=id=0",
          "ps  --filter=ancestor=base",
          "ps  -f  nokey",
          "ps  -f  color=red",
          "ps  -f  name=we  --format  {{.ID}}",
          "container  ls  -f  bad",
          "images  -a",
          "images  -q",
          "images  -aq  --no-trunc",
          "images  base",
          "images  base:1",
          "images  b*",
          "images  -f  reference=other/*",
          "images  --filter=dangling=false  --format  {{.Repository}}:{{.Tag}}",
          "images  --format  table {{.ID}}\\t{{.UniqueSize}}",
          "images  -f  size=1",
          "image  ls  -f  x",
          "image  list  --no-trunc  -q  base",
          "version",
          "version  -f  {{.Server.Version}} {{.Client.ProtocolVersion}}",
          "version  --format={{.Server.Driver}}",
          "version  --format  {{.Server.Nope}}",
          "--host  %HOST%  ps",
          "--host=%HOST%  images  -q",
          "ps  --host  %HOST%  -q",
          "--token-file  %TOKEN%  ps",
          "--token-file=%TOKEN%  version");

  /** Vectors with anything else: picocli's. */
  private static final List<List<String>> LEFT =
      vectors(
          "--json  ps",
          "ps  --json",
          "ps  --help",
          "ps  -x",
          "ps  extra",
          "ps  -a  -a",
          "ps  --format  json",
          "ps  -f  label=a",
          "images  one  two",
          "version  --format  json",
          "ps  --",
          "--debug  images");

  private static List<List<String>> with(List<List<String>> all, String host, Path token) {
    List<List<String>> out = new ArrayList<>();
    for (List<String> v : all) {
      out.add(
          v.stream()
              .map(a -> a.replace("%HOST%", host).replace("%TOKEN%", token.toString()))
              .toList());
    }
    return out;
  }

  @Test
  void theQuickPathPrintsAndExitsAsPicocliDoesForEveryVectorItTakes() throws Exception {
    Path token = Files.writeString(dir.resolve("token"), "quick-token\n");
    Path tree = Files.createDirectories(dir.resolve("tree/etc"));
    Files.writeString(tree.resolve("hostname"), "quick\n");
    try (TestServer s = TestServer.start(dir.resolve("root"))) {
      String host = s.address().toString();
      Map<String, String> env = Map.of("STRATA_HOST", host);
      List<List<String>> taken = with(TAKEN, host, token);
      compare(env, true, taken); // an empty store
      assertThat(s.cli("image", "import", tree.getParent().toString(), "-t", "base:1").code())
          .isZero();
      assertThat(s.cli("tag", "base:1", "other/repo:2").code()).isZero();
      for (String name : List.of("web", "we-ird.name_2", "other")) {
        assertThat(s.cli("create", "--name", name, "base:1").code()).isZero();
      }
      assertThat(s.cli("create", "--name", "second", "other/repo:2").code()).isZero();
      List<Run> picocli = compare(env, true, taken);
      assertThat(picocli.get(0).out())
          .as("the corpus runs against containers")
          .contains("we-ird.name_2")
          .contains("other/repo:2");
      assertThat(picocli.stream().filter(r -> r.code() == 2).count())
          .as("usage errors among them (bad filters, fields)")
          .isGreaterThanOrEqualTo(5);
      compare(Map.of("STRATA_HOST", host, "STRATA_TOKEN_FILE", token.toString()), true, taken);
      compare(env, false, with(LEFT, host, token));
    }
  }

  @Test
  void failuresToReachOrAuthenticateAreReportedAlike() throws Exception {
    Path token = Files.writeString(dir.resolve("token"), "right-token\n");
    Path wrong = Files.writeString(dir.resolve("wrong"), "wrong-token\n");
    String down;
    try (ServerSocket free = new ServerSocket(0)) {
      down = "127.0.0.1:" + free.getLocalPort(); // closed again: nothing listens there
    }
    List<List<String>> taken =
        vectors("ps", "images  -q", "version", "version  -f  {{.Client.Version}}", "ps  -f  bad");
    List<Run> unreachable = compare(Map.of("STRATA_HOST", down), true, taken);
    assertThat(unreachable.get(0).code()).isEqualTo(3);
    assertThat(unreachable.get(0).err()).startsWith("strata: cannot reach stratad at " + down);
    ServerConfig config =
        ServerConfig.loopback(dir.resolve("root"))
            .withToken("right-token".getBytes(StandardCharsets.UTF_8));
    try (TestServer s = TestServer.start(config)) {
      Map<String, String> env = new HashMap<>(Map.of("STRATA_HOST", s.address().toString()));
      List<Run> none = compare(env, true, taken);
      assertThat(none.get(0).err()).contains("requires a token");
      env.put("STRATA_TOKEN_FILE", wrong.toString());
      List<Run> refused = compare(env, true, taken);
      assertThat(refused.get(0).code()).isEqualTo(3);
      env.put("STRATA_TOKEN_FILE", dir.resolve("missing").toString());
      assertThat(compare(env, true, taken).get(0).err()).contains("does not exist");
      env.put("STRATA_TOKEN_FILE", token.toString());
      assertThat(compare(env, true, taken).get(0).code()).isZero();
    }
  }

  @Test
  void aRealQuickRunLoadsNeitherPicocliNorDatabind() throws Exception {
    try (TestServer s = TestServer.start(dir.resolve("root"))) {
      for (List<String> v : vectors("ps", "images", "version", "container  ls  -q")) {
        Path log = dir.resolve("classes.log");
        List<String> cmd = new ArrayList<>(List.of(ROOT.resolve("bin/strata").toString()));
        cmd.addAll(v);
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().put("STRATA_HOST", s.address().toString());
        pb.environment().put("STRATA_CDS", "on");
        pb.environment().put("STRATA_JAVA_OPTS", "-Xlog:class+load=info:file=" + log);
        Process p = pb.start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(v + ": " + output).isZero();
        String classes = Files.readString(log);
        assertThat(classes).as(v + " ran").contains("io.strata.client.cli.QuickCommand ");
        assertThat(classes.lines().filter(l -> l.contains("] picocli.")).toList())
            .as(v + ": picocli's classes")
            .isEmpty();
        assertThat(
                classes
                    .lines()
                    .filter(l -> l.contains("] com.fasterxml.jackson.databind"))
                    .toList())
            .as(v + ": jackson-databind's classes")
            .isEmpty();
        Files.delete(log);
      }
    }
  }
}
