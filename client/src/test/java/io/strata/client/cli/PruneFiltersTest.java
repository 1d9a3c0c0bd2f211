package io.strata.client.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.strata.protocol.Opcode;
import io.strata.protocol.message.ImageItem;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The prunes' {@code --filter} as the client reads it, and what a client does before a server that
 * cannot apply it: refuse, never prune more than asked.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class PruneFiltersTest {
  @Test
  void filtersAreSentAsGivenOnceChecked() {
    PruneFilters f =
        PruneFilters.parse(
            List.of("until=24h", "label=env=test", "label=keep", "label!=a=b=c"),
            "image prune",
            PruneFilters.UNTIL_AND_LABELS);
    assertThat(f.until).isEqualTo("24h");
    assertThat(f.labels).containsExactly("env=test", "keep");
    assertThat(f.notLabels).containsExactly("a=b=c");
    assertThat(f.any()).isTrue();
    assertThat(PruneFilters.parse(List.of(), "image prune", PruneFilters.UNTIL_AND_LABELS).any())
        .isFalse();
  }

  @Test
  void aBadFilterIsAUsageErrorNamingIt() {
    Set<String> keys = PruneFilters.UNTIL_AND_LABELS;
    assertThatThrownBy(() -> PruneFilters.parse(List.of("name=x"), "container prune", keys))
        .isInstanceOf(UsageError.class)
        .hasMessage("invalid filter 'name=x': container prune takes until=, label=, label!=");
    assertThatThrownBy(() -> PruneFilters.parse(List.of("until"), "image prune", keys))
        .isInstanceOf(UsageError.class)
        .hasMessageStartingWith("invalid filter 'until': ");
    assertThatThrownBy(() -> PruneFilters.parse(List.of("until=3 days"), "image prune", keys))
        .isInstanceOf(UsageError.class)
        .hasMessageStartingWith("invalid filter 'until=3 days': expected a duration");
    assertThatThrownBy(() -> PruneFilters.parse(List.of("label="), "image prune", keys))
        .isInstanceOf(UsageError.class)
        .hasMessage("invalid filter 'label=': expected KEY or KEY=VALUE");
    assertThatThrownBy(
            () -> PruneFilters.parse(List.of("until=1h", "until=2h"), "image prune", keys))
        .isInstanceOf(UsageError.class)
        .hasMessage("invalid filter 'until=2h': until= given twice (after until=1h)");
    assertThatThrownBy(() -> PruneFilters.parse(List.of("until=1h"), "volume prune", Set.of("all")))
        .hasMessage("invalid filter 'until=1h': volume prune takes all=");
  }

  @Test
  void anOlderServerWithoutThePruneRequestMakesAFilteredPruneRefuseAndRemoveNothing()
      throws IOException {
    for (String[] args :
        new String[][] {
          {"image", "prune", "-a", "-f", "--filter", "until=1h"},
          {"container", "prune", "-f", "--filter", "label=env=test"},
          {"system", "prune", "-f", "--filter", "label!=keep"},
        }) {
      try (OlderDriverServer older = new OlderDriverServer()) {
        CliHarness cli = new CliHarness();
        assertThat(cli.run(Map.of("STRATA_HOST", older.address()), args))
            .as(String.join(" ", args))
            .isEqualTo(ExitStatus.FAILED);
        String command = args[0] + " prune";
        if (args[0].equals("system")) {
          command = "container prune"; // its first step
        }
        assertThat(cli.err())
            .isEqualTo(
                "strata: "
                    + command
                    + " --filter: this server is older than the client and cannot apply the"
                    + " filter (it has no "
                    + command.replace(' ', '.')
                    + " request); nothing was removed: upgrade stratad\n");
        // the prune request, refused, and nothing after it: no listing, no removal
        assertThat(older.opcodes)
            .containsExactly(
                (args[0].equals("image") ? Opcode.IMAGE_PRUNE : Opcode.CONTAINER_PRUNE).code());
      }
    }
  }

  @Test
  void anUnfilteredPruneFallsBackToTheListingAnOlderServerServes() throws IOException {
    try (OlderDriverServer older = new OlderDriverServer()) {
      CliHarness cli = new CliHarness();
      cli.run(Map.of("STRATA_HOST", older.address()), "image", "prune", "-f");
      assertThat(older.opcodes.get(0)).isEqualTo(Opcode.IMAGE_PRUNE.code());
      assertThat(older.opcodes.get(1)).isEqualTo(Opcode.CONTAINER_LIST.code());
    }
  }

  @Test
  void imageListingFiltersNeedAServerThatSendsTimesAndLabels() throws IOException {
    List<ImageItem> older = List.of(new ImageItem("a", "1", "sha256:00", 1, 1, 0));
    List<ImageItem> newer = List.of(new ImageItem("a", "1", "sha256:00", 1, 1, 0, null, Map.of()));
    ImageTimeFilter.needTimesAndLabels(List.of("reference=a"), older);
    ImageTimeFilter.needTimesAndLabels(List.of("label=x", "before=a:1"), newer);
    for (String f : List.of("label=x", "before=a:1", "since=a:1")) {
      assertThatThrownBy(() -> ImageTimeFilter.needTimesAndLabels(List.of(f), older))
          .isInstanceOf(IOException.class)
          .hasMessageStartingWith("images --filter: this server is older than the client");
    }
    assertThatThrownBy(() -> ImageTimeFilter.check(List.of("since=")))
        .isInstanceOf(UsageError.class)
        .hasMessage("invalid filter 'since=': expected an image name, id or id prefix");
  }
}
