package io.strata.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.strata.client.cli.ManPage;
import io.strata.client.cli.StrataCli;
import io.strata.client.cli.Terminal;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@code docs/man/strata.1} and {@code docs/man/stratad.8} are what {@link ManPage} writes from the
 * picocli models: a changed option or command fails here until the pages are made again with {@code
 * mvn -o -pl server -am test -Dtest=ManPagesTest -Dsurefire.failIfNoSpecifiedTests=false
 * -Dstrata.man.write=true}.
 */
class ManPagesTest {
  private static final Path MAN = Path.of("..", "docs", "man");

  static String strata() {
    Terminal t =
        new Terminal(
            new ByteArrayInputStream(new byte[0]),
            new ByteArrayOutputStream(),
            new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8),
            new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8),
            Map.of(),
            false);
    Map<String, List<String>> extra = new LinkedHashMap<>();
    extra.put(
        "Exit status",
        List.of(
            "0 success; 1 the operation failed (a message on stderr, starting strata: ); 2 bad"
                + " usage; 3 cannot reach or authenticate to the server; 4 not found."));
    extra.put(
        "Environment",
        List.of(
            "STRATA_HOST: the server when --host is not given (default 127.0.0.1:7420).",
            "STRATA_TOKEN_FILE: the token file when --token-file is not given."));
    extra.put("See also", List.of("stratad(8), docker(1)"));
    return ManPage.render(StrataCli.commandLine(t), 1, extra);
  }

  static String stratad() {
    Map<String, List<String>> extra = new LinkedHashMap<>();
    extra.put(
        "Signals",
        List.of(
            "SIGTERM or SIGINT: stop accepting, finish or cleanly fail the requests in flight,"
                + " flush, exit 0."));
    extra.put("See also", List.of("strata(1)"));
    return ManPage.render(
        Stratad.commandLine(new Stratad(System.out, Map.of()), System.err), 8, extra);
  }

  @Test
  void theManualsAreWhatTheModelsSay() throws Exception {
    Map<String, String> pages = Map.of("strata.1", strata(), "stratad.8", stratad());
    if (Boolean.getBoolean("strata.man.write")) {
      Files.createDirectories(MAN);
      for (Map.Entry<String, String> p : pages.entrySet()) {
        Files.writeString(MAN.resolve(p.getKey()), p.getValue());
      }
    }
    for (Map.Entry<String, String> p : pages.entrySet()) {
      assertThat(Files.readString(MAN.resolve(p.getKey())))
          .as("docs/man/%s is stale: make it again with -Dstrata.man.write=true", p.getKey())
          .isEqualTo(p.getValue());
    }
  }

  @Test
  void thePagesHoldEveryCommandAndOption() {
    String strata = strata();
    assertThat(strata)
        .startsWith(".TH STRATA 1 ")
        .contains(".SH NAME\nstrata \\- ")
        .contains(".SS \"strata image ls\"")
        .contains(".SS \"strata container ls\"")
        .contains("\\fB\\-\\-filter\\fR=\\fIKEY=VALUE\\fR")
        .contains("\\fB\\-\\-host\\fR=\\fIHOST:PORT\\fR")
        .contains(".SH EXIT STATUS")
        .doesNotContain("__complete");
    assertThat(stratad())
        .startsWith(".TH STRATAD 8 ")
        .contains("\\fB\\-\\-log\\-format\\fR=\\fIFORMAT\\fR")
        .contains(".SH SIGNALS");
  }
}
