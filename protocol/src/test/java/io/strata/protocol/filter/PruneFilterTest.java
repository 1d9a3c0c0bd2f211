package io.strata.protocol.filter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 10, unit = TimeUnit.SECONDS)
class PruneFilterTest {
  private static final Instant NOW = Instant.parse("2026-12-07T12:00:00Z");
  private static final Instant HOUR_AGO = Instant.parse("2026-12-07T11:00:00Z");
  private static final Instant DAY_AGO = Instant.parse("2026-12-06T12:00:00Z");

  private static PruneFilter filter(String until, List<String> labels, List<String> not) {
    return PruneFilter.of(until, labels, not, NOW);
  }

  @Test
  void untilKeepsWhatIsNewerOrOfUnknownAge() {
    PruneFilter f = filter("2h", List.of(), List.of());
    assertThat(f.matches(DAY_AGO, Map.of())).isTrue();
    assertThat(f.matches(HOUR_AGO, Map.of())).isFalse();
    // an unknown time is never "before": a filter only narrows
    assertThat(f.matches(null, Map.of())).isFalse();
    // exactly at the bound is not before it
    assertThat(filter("2026-12-06T12:00:00Z", List.of(), List.of()).matches(DAY_AGO, Map.of()))
        .isFalse();
    assertThat(filter(null, List.of(), List.of()).matches(null, null)).isTrue();
  }

  @Test
  void labelsMustAllMatchAndNoNegatedOne() {
    Map<String, String> labels = Map.of("env", "test", "team", "a", "empty", "");
    assertThat(filter(null, List.of("env"), List.of()).matches(null, labels)).isTrue();
    assertThat(filter(null, List.of("env=test", "team=a"), List.of()).matches(null, labels))
        .isTrue();
    assertThat(filter(null, List.of("env=test", "team=b"), List.of()).matches(null, labels))
        .isFalse();
    assertThat(filter(null, List.of("env=tes"), List.of()).matches(null, labels)).isFalse();
    assertThat(filter(null, List.of("empty="), List.of()).matches(null, labels)).isTrue();
    assertThat(filter(null, List.of("missing"), List.of()).matches(null, labels)).isFalse();
    assertThat(filter(null, List.of("env"), List.of()).matches(null, null)).isFalse();
    assertThat(filter(null, List.of(), List.of("keep")).matches(null, labels)).isTrue();
    assertThat(filter(null, List.of(), List.of("env")).matches(null, labels)).isFalse();
    assertThat(filter(null, List.of(), List.of("env=prod")).matches(null, labels)).isTrue();
    // any one label!= keeps the object (the narrower reading of docker's)
    assertThat(filter(null, List.of(), List.of("keep", "team")).matches(null, labels)).isFalse();
  }

  @Test
  void untilAndLabelsTogether() {
    PruneFilter f = filter("2h", List.of("env=test"), List.of("keep"));
    assertThat(f.matches(DAY_AGO, Map.of("env", "test"))).isTrue();
    assertThat(f.matches(HOUR_AGO, Map.of("env", "test"))).isFalse();
    assertThat(f.matches(DAY_AGO, Map.of("env", "test", "keep", "1"))).isFalse();
    assertThat(f.matches(DAY_AGO, Map.of())).isFalse();
  }

  @Test
  void aLabelWithoutAKeyIsRefusedNamingTheFilter() {
    assertThatThrownBy(() -> filter(null, List.of("=x"), List.of()))
        .hasMessage("invalid filter 'label==x': expected KEY or KEY=VALUE");
    assertThatThrownBy(() -> filter(null, List.of(), List.of("")))
        .hasMessage("invalid filter 'label!=': expected KEY or KEY=VALUE");
  }

  @Test
  void creationTimesReadAsRfc3339OrUnknown() {
    assertThat(PruneFilter.instant("2026-12-06T12:00:00.123456789Z"))
        .isEqualTo(Instant.parse("2026-12-06T12:00:00.123456789Z"));
    assertThat(PruneFilter.instant(null)).isNull();
    assertThat(PruneFilter.instant("")).isNull();
    assertThat(PruneFilter.instant("garbage")).isNull();
  }
}
