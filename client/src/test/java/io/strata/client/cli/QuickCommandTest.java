package io.strata.client.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The grammar of the CLI's quick path: the vectors it takes, and the ones it leaves to picocli
 * because they are anything else (what each prints is the differential QuickPathIT's to prove).
 */
@Timeout(10)
class QuickCommandTest {
  private static final Map<String, String> NO_ENV = Map.of();

  private static String[] v(String line) {
    return line.isEmpty() ? new String[0] : line.split(" ");
  }

  @Test
  void takesTheListingsAndVersionWithTheOptionsScriptsUse() {
    for (String line :
        List.of(
            "ps",
            "container ls",
            "container ps",
            "container list",
            "images",
            "image ls",
            "image list",
            "version",
            "--host 127.0.0.1:7 ps",
            "--host=127.0.0.1:7 images",
            "--token-file /t ps",
            "--token-file=/t --host 127.0.0.1:7 version",
            "ps --host 127.0.0.1:7",
            "ps -a",
            "ps --all --size",
            "ps -s",
            "ps -q",
            "ps --quiet --no-trunc",
            "ps -aq",
            "ps -qas",
            "ps -f name=x -f id=1",
            "ps --filter name=x --filter=ancestor=b:1",
            "ps --format {{.ID}}",
            "ps --format=table",
            "images -a -q --no-trunc",
            "images -aq",
            "images base",
            "images base:1 -q",
            "images --filter reference=b* --filter=dangling=false",
            "image ls --format table\\t{{.ID}}",
            "version -f {{.Server.Version}}",
            "version --format={{.Client.Version}}")) {
      assertThat(QuickCommand.takes(v(line), NO_ENV)).as(line).isTrue();
    }
    assertThat(QuickCommand.takes(v("ps"), Map.of("STRATA_HOST", "127.0.0.1:9"))).isTrue();
  }

  @Test
  void leavesEverythingElseToPicocli() {
    for (String line :
        List.of(
            "",
            "--json ps",
            "ps --json",
            "--debug ps",
            "--progress plain ps",
            "--help",
            "ps --help",
            "ps -h",
            "--version",
            "-- ps",
            "ps --",
            "ps -",
            "ps extra",
            "images one two",
            "image",
            "image rm x",
            "container",
            "container create x",
            "info",
            "pss",
            "ps --unknown",
            "ps -x",
            "ps -aqx",
            "ps -aa",
            "ps -a --all",
            "ps -q --quiet",
            "ps --no-trunc --no-trunc",
            "images -s",
            "images --size",
            "ps --format",
            "ps --format {{.ID}} --format {{.ID}}",
            "ps --format json",
            "ps --format {{json\t.}}",
            "ps --format {{json .ID}}",
            "version --format json",
            "version -q",
            "version extra",
            "ps -f",
            "ps -f label=a",
            "ps --filter label",
            "ps --filter=label=a=b",
            "ps -fname=x",
            "ps --format -q",
            "ps --filter --no-trunc",
            "--host ps",
            "--host 127.0.0.1:7 --host 127.0.0.1:8 ps",
            "--host nohostport ps",
            "--host= ps",
            "--token-file ps",
            "--token-file= ps",
            "--token-file /a --token-file /b ps")) {
      assertThat(QuickCommand.takes(v(line), NO_ENV)).as(line).isFalse();
    }
    assertThat(QuickCommand.takes(v("ps"), Map.of("STRATA_HOST", "not an address")))
        .as("a bad STRATA_HOST is picocli's usage error")
        .isFalse();
    assertThat(QuickCommand.takes(new String[] {"images", ""}, NO_ENV)).isFalse();
    assertThat(QuickCommand.takes(new String[] {"ps", "--format", ""}, NO_ENV)).isFalse();
    assertThat(QuickCommand.takes(new String[] {"--token-file", "a\0b", "ps"}, NO_ENV)).isFalse();
  }
}
