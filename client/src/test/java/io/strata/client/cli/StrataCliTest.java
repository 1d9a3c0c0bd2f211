package io.strata.client.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.strata.protocol.Status;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What the CLI decides on its own, without a server. */
class StrataCliTest {
  private final CliHarness cli = new CliHarness();

  private int run(Map<String, String> env, String... args) {
    return cli.run(env, args);
  }

  private String err() {
    return cli.err();
  }

  @Test
  void unknownCommandsAreUsageErrors() {
    assertThat(run(Map.of(), "frobnicate")).isEqualTo(ExitStatus.USAGE);
    assertThat(run(Map.of(), "blob", "frobnicate")).isEqualTo(ExitStatus.USAGE);
    assertThat(err()).startsWith("strata: ").contains("frobnicate").contains("--help");
  }

  @Test
  void noCommandIsAUsageError() {
    assertThat(run(Map.of())).isEqualTo(ExitStatus.USAGE);
    assertThat(run(Map.of(), "blob")).isEqualTo(ExitStatus.USAGE);
  }

  @Test
  void malformedDigestIsAUsageErrorNamingIt() {
    assertThat(run(Map.of(), "blob", "get", "sha256:xyz")).isEqualTo(ExitStatus.USAGE);
    assertThat(err()).startsWith("strata: digest sha256:xyz: expected sha256:");
  }

  @Test
  void helpIsEverywhere() {
    assertThat(run(Map.of(), "--help")).isZero();
    assertThat(run(Map.of(), "blob", "put", "--help")).isZero();
    assertThat(run(Map.of(), "fsck", "--help")).isZero();
    assertThat(cli.out()).contains("Usage: strata blob put");
  }

  @Test
  void anFsOperationsUsageErrorPointsAtAHelpThatWorks() {
    // strata fs truncate --help would take truncate for the container: the hint names it (A5)
    assertThat(run(Map.of(), "fs", "web", "truncate", "/etc/motd")).isEqualTo(ExitStatus.USAGE);
    assertThat(err()).contains("--size").contains("Try 'strata fs web truncate --help'.");
    assertThat(run(Map.of(), "fs", "web", "truncate", "--help")).isZero();
    assertThat(cli.out()).contains("Usage: strata fs CONTAINER truncate");
  }

  @Test
  void completionPrintsABashScript() {
    assertThat(run(Map.of(), "completion")).isZero();
    assertThat(cli.out()).contains("complete -F").contains("blob");
  }

  @Test
  void unreachableServerExits3() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    assertThat(run(Map.of("STRATA_HOST", "127.0.0.1:" + port), "info"))
        .isEqualTo(ExitStatus.UNREACHABLE);
    assertThat(err()).startsWith("strata: cannot reach stratad at 127.0.0.1:" + port);
    assertThat(err().lines()).hasSize(1);
  }

  @Test
  void versionShowsTheClientEvenWithoutAServer() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    CliHarness v = new CliHarness();
    assertThat(v.run(Map.of("STRATA_HOST", "127.0.0.1:" + port), "version"))
        .isEqualTo(ExitStatus.UNREACHABLE);
    assertThat(v.out()).startsWith("Client:\n Version: ").doesNotContain("Server:");
    assertThat(v.err()).startsWith("strata: cannot reach stratad at 127.0.0.1:" + port);
  }

  @Test
  void aMissingTokenFileExits3() {
    assertThat(run(Map.of("STRATA_TOKEN_FILE", "/nonexistent/token"), "info"))
        .isEqualTo(ExitStatus.UNREACHABLE);
    assertThat(err()).contains("token file /nonexistent/token does not exist");
  }

  @Test
  void badHostIsAUsageError() {
    assertThat(run(Map.of(), "--host", "nohostport", "info")).isEqualTo(ExitStatus.USAGE);
  }

  @Test
  void everyStatusHasAnExitCode() {
    assertThat(ExitStatus.of(Status.OK)).isZero();
    assertThat(ExitStatus.of(Status.NOT_FOUND)).isEqualTo(4);
    assertThat(ExitStatus.of(Status.INVALID_ARGUMENT)).isEqualTo(2);
    assertThat(ExitStatus.of(Status.UNAUTHENTICATED)).isEqualTo(3);
    assertThat(ExitStatus.of(Status.UNAVAILABLE)).isEqualTo(3);
    assertThat(ExitStatus.of(Status.CORRUPT_DATA)).isEqualTo(1);
    for (Status s : Status.values()) {
      assertThat(ExitStatus.of(s)).isBetween(0, 4);
    }
  }

  @Test
  void globalOptionsWorkAfterTheCommandToo() {
    assertThat(run(Map.of(), "info", "--host", "nohostport")).isEqualTo(ExitStatus.USAGE);
    assertThat(err()).contains("--host");
  }

  @Test
  void globalOptionsAreListedOnceInTheTopHelp() {
    assertThat(run(Map.of(), "--help")).isZero();
    String top = cli.out();
    assertThat(top).contains("--host=HOST:PORT", "--token-file=FILE", "--json", "--debug");
    CliHarness sub = new CliHarness();
    assertThat(sub.run(Map.of(), "image", "ls", "--help")).isZero();
    assertThat(sub.out()).contains("Usage: strata image ls").doesNotContain("--host", "--debug");
  }

  @Test
  void helpTextsAreNotCutAtAColon() {
    assertThat(run(Map.of(), "--help")).isZero();
    assertThat(cli.out().lines().filter(l -> l.stripTrailing().endsWith(":")))
        .as("lines of strata --help ending in a colon")
        .containsExactly("Commands:");
    assertThat(cli.out()).contains("127.0.0.1:7420");
  }

  @Test
  void aMistypedCommandGetsASuggestion() {
    assertThat(run(Map.of(), "imgae", "ls")).isEqualTo(ExitStatus.USAGE);
    assertThat(err())
        .startsWith("strata: unknown command 'imgae' for 'strata'\n")
        .contains("Did you mean: strata image, strata images?");
    CliHarness sub = new CliHarness();
    assertThat(sub.run(Map.of(), "image", "lss")).isEqualTo(ExitStatus.USAGE);
    assertThat(sub.err())
        .startsWith("strata: unknown command 'lss' for 'strata image'\n")
        .contains("Did you mean: strata image ls?");
  }

  /**
   * An empty standard input is refused before connecting, as {@code docker load} refuses it: no
   * server listens, so exit 1 rather than 3 proves nothing was sent. A non-empty one goes on to
   * connect, its first byte looked at and put back.
   */
  @Test
  void anEmptyStandardInputIsRefusedBeforeConnecting() throws IOException {
    for (String[] args : new String[][] {{"image", "import", "-"}, {"load"}, {"load", "-i", "-"}}) {
      CliHarness t = new CliHarness();
      assertThat(t.offline(args)).as(String.join(" ", args)).isEqualTo(ExitStatus.FAILED);
      assertThat(t.err())
          .isEqualTo("strata: import from standard input: standard input is empty\n");
      CliHarness some = new CliHarness().stdin("x".getBytes(StandardCharsets.UTF_8));
      assertThat(some.offline(args)).isEqualTo(ExitStatus.UNREACHABLE);
    }
    Terminal t =
        new Terminal(
            new ByteArrayInputStream("ab".getBytes(StandardCharsets.UTF_8)),
            OutputStream.nullOutputStream(),
            System.out,
            System.err,
            Map.of(),
            false);
    assertThat(t.inputEmpty()).isFalse();
    assertThat(t.in().readAllBytes()).isEqualTo("ab".getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void tarsAreNeverWrittenToATerminalNorReadFromOne() {
    for (String[] args :
        new String[][] {
          {"image", "export", "app:1"}, {"image", "export", "app:1", "-o", "-"}, {"save", "app:1"}
        }) {
      CliHarness t = new CliHarness().terminals();
      assertThat(t.run(Map.of(), args)).isEqualTo(ExitStatus.USAGE);
      assertThat(t.err()).startsWith("strata: export of image app:1: refusing to write a tar");
    }
    CliHarness t = new CliHarness().terminals();
    assertThat(t.run(Map.of(), "image", "import", "-")).isEqualTo(ExitStatus.USAGE);
    assertThat(t.err()).startsWith("strata: import from standard input: refusing to read");
    // load takes no PATH (docker's load does not), so its refusal names -i FILE, not a PATH
    CliHarness load = new CliHarness().terminals();
    assertThat(load.run(Map.of(), "load")).isEqualTo(ExitStatus.USAGE);
    assertThat(load.err())
        .startsWith(
            "strata: load from standard input: refusing to read an archive from a terminal; give"
                + " -i FILE or redirect standard input\n");
  }

  @Test
  void imageExportTakesTypeAndTheOldFormatSpelling() {
    CliHarness t = new CliHarness();
    assertThat(t.run(Map.of(), "image", "export", "app:1", "--type", "zip")).isEqualTo(2);
    assertThat(t.err()).startsWith("strata: --type zip: expected oci or docker-archive");
    CliHarness old = new CliHarness();
    assertThat(old.run(Map.of(), "image", "export", "app:1", "--format", "zip")).isEqualTo(2);
    assertThat(old.err()).startsWith("strata: --type zip: expected oci or docker-archive");
    CliHarness help = new CliHarness();
    assertThat(help.run(Map.of(), "image", "export", "--help")).isZero();
    assertThat(help.out()).contains("--type=TYPE").doesNotContain("--format=");
  }

  @Test
  void progressStaysQuietForShortTransfers() {
    ByteArrayOutputStream bar = new ByteArrayOutputStream();
    long[] now = {0};
    ProgressBar p =
        new ProgressBar(
            new PrintStream(bar, true, StandardCharsets.UTF_8), "put", 100, () -> now[0]);
    p.transferred(50);
    assertThat(bar.size()).isZero();
    now[0] = 2_000_000_000L;
    p.transferred(25);
    assertThat(bar.toString(StandardCharsets.UTF_8)).contains("75%");
    p.finish();
    assertThat(ByteSize.human(25L << 20)).isEqualTo("25.0 MiB");
  }

  @Test
  void theBarShowsBytesRateAndEta() {
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    long[] now = {0};
    ProgressBar p =
        new ProgressBar(
            new PrintStream(err, true, StandardCharsets.UTF_8), "get", 100L << 20, () -> now[0]);
    now[0] = 2_000_000_000L;
    p.transferred(50L << 20);
    String drawn = err.toString(StandardCharsets.UTF_8);
    assertThat(drawn)
        .startsWith("\rget [=========>          ] 50.0 MiB / 100.0 MiB  50%  25.0 MiB/s  ETA 2s");
    p.finish();
    assertThat(err.toString(StandardCharsets.UTF_8)).endsWith("\r\033[K");
    assertThat(ProgressBar.duration(125)).isEqualTo("2m05s");
  }

  @Test
  void plainAndJsonProgressAreLinesWithASummary() throws Exception {
    ByteArrayOutputStream plain = new ByteArrayOutputStream();
    long[] now = {0};
    ProgressBar p =
        new ProgressBar(
            new PrintStream(plain, true, StandardCharsets.UTF_8),
            "import",
            1000,
            () -> now[0],
            ProgressBar.Style.PLAIN);
    now[0] = 1_000_000_000L;
    p.transferred(500);
    now[0] = 1_500_000_000L;
    p.transferred(500); // within the second: no line
    p.finish();
    assertThat(plain.toString(StandardCharsets.UTF_8).lines())
        .containsExactly(
            "import 500 B / 1000 B  50%  500 B/s  ETA 1s",
            "import 1000 B / 1000 B 100%  666 B/s  ETA 0s");
    ByteArrayOutputStream json = new ByteArrayOutputStream();
    ProgressBar j =
        new ProgressBar(
            new PrintStream(json, true, StandardCharsets.UTF_8),
            "put",
            -1,
            () -> now[0],
            ProgressBar.Style.JSON);
    j.transferred(7);
    j.finish();
    var summary =
        io.strata.protocol.message.Json.tree(
            json.toString(StandardCharsets.UTF_8).strip().getBytes(StandardCharsets.UTF_8),
            "event");
    assertThat(summary.get("messageType").asText()).isEqualTo("summary");
    assertThat(summary.get("operation").asText()).isEqualTo("put");
    assertThat(summary.get("bytesDone").asLong()).isEqualTo(7);
  }

  @Test
  void theNamesOfTheCommandsAreTheirAnnotations() {
    StrataCli.COMMANDS.forEach(
        (name, type) ->
            assertThat(type.getAnnotation(picocli.CommandLine.Command.class).name())
                .isEqualTo(name));
  }

  @Test
  void aRunBuildsOnlyTheCommandItNamesAfterGlobalOptions() {
    assertThat(StrataCli.commandOf(new String[] {"ps", "-a"})).isEqualTo("ps");
    assertThat(StrataCli.commandOf(new String[] {"--host", "h:1", "--json", "images"}))
        .isEqualTo("images");
    assertThat(StrataCli.commandOf(new String[] {"--progress=none", "--debug", "image", "ls"}))
        .isEqualTo("image");
    // the whole tree: the top's own options, no command, a word that is none, completion
    assertThat(StrataCli.commandOf(new String[] {"-V"})).isEmpty();
    assertThat(StrataCli.commandOf(new String[] {"--version", "ps"})).isNull();
    assertThat(StrataCli.commandOf(new String[] {"--host", "ps"})).isNull();
    assertThat(StrataCli.commandOf(new String[] {"pss"})).isEqualTo(StrataCli.NAMES);
    assertThat(StrataCli.commandOf(new String[] {"--json", "--help"})).isEqualTo(StrataCli.NAMES);
    assertThat(StrataCli.commandOf(new String[] {"--help", "ps", "-a"})).isNull();
    assertThat(StrataCli.commandOf(new String[] {"--bogus", "ps"})).isNull();
    assertThat(StrataCli.commandOf(new String[] {"completion", "bash"})).isNull();
    // the pruned tree parses its command as the whole one does
    PrintStream none = new PrintStream(OutputStream.nullOutputStream(), true);
    Terminal t = new Terminal(InputStream.nullInputStream(), none, none, none, Map.of(), false);
    for (String[] args :
        new String[][] {
          {"container", "ls", "-q"},
          {"container", "create", "base:1"},
          {"images", "-q"},
          {"image", "ls", "-q"},
          {"image", "list"},
          {"volume", "ls"},
          {"system", "df"},
          {"fs", "web", "ls", "/"},
          {"ps", "--filter", "id=0"}
        }) {
      assertThat(
              StrataCli.commandLine(
                      t,
                      StrataCli.commandOf(args),
                      StrataCli.wordAfter(args, StrataCli.commandOf(args)))
                  .parseArgs(args)
                  .asCommandLineList()
                  .stream()
                  .map(c -> c.getCommandSpec().qualifiedName())
                  .toList())
          .isEqualTo(
              StrataCli.commandLine(t).parseArgs(args).asCommandLineList().stream()
                  .map(c -> c.getCommandSpec().qualifiedName())
                  .toList());
    }
  }

  @Test
  void helpAndMistypedCommandsReadAsWithTheWholeTree() {
    for (String[] args :
        new String[][] {{"--help"}, {"-h"}, {"--json", "--help"}, {"pss"}, {"imgaes", "-q"}, {}}) {
      CliHarness whole = new CliHarness();
      int code = whole.runWhole(Map.of(), args);
      CliHarness named = new CliHarness();
      assertThat(named.run(Map.of(), args)).isEqualTo(code);
      assertThat(named.out()).isEqualTo(whole.out());
      assertThat(named.err()).isEqualTo(whole.err());
    }
  }
}
