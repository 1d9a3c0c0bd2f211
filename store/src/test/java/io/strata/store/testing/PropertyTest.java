package io.strata.store.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class PropertyTest {
  @Test
  void aFailureIsShrunkToTheBoundaryAndReportsTheSeed() {
    assertThatThrownBy(
            () ->
                Property.run(
                    42,
                    100,
                    List.of(Gen.ints(0, 1_000_000), Gen.booleans()),
                    v -> assertThat((Integer) v.get(0)).isLessThan(1000)))
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("PropertyTest.lambda")
        .hasMessageContaining("seed:   42 (rerun: -Dstrata.seed=42)")
        .hasMessageContaining("shrunk: (1000, false)")
        .hasCauseInstanceOf(AssertionError.class);
  }

  @Test
  void theEdgeCasesAreAlwaysTried() {
    List<Long> seen = new ArrayList<>();
    Property.run(7, 0, List.of(Gen.longs(5, 1L << 40)), v -> seen.add((Long) v.get(0)));
    assertThat(seen).containsExactly(5L, 6L, (1L << 40) - 1, 1L << 40);
    seen.clear();
    Property.run(7, 0, List.of(Gen.ints(-3, 3)), v -> seen.add((long) (Integer) v.get(0)));
    assertThat(seen).containsExactly(-3L, -2L, -1L, 0L, 1L, 2L, 3L);
  }

  @Test
  void everyParameterMeetsItsEdgesAndAllMeetTheirBoundsTogether() {
    List<List<Object>> seen = new ArrayList<>();
    Property.run(
        1, 0, List.of(Gen.ints(10, 20), Gen.strings(0, 8), Gen.booleans()), v -> seen.add(v));
    assertThat(seen).extracting(v -> v.get(0)).contains(10, 11, 19, 20);
    assertThat(seen).extracting(v -> v.get(1)).contains("", "aaaaaaaa");
    assertThat(seen).extracting(v -> v.get(2)).contains(false, true);
    assertThat(seen).contains(List.of(10, "", false), List.of(20, "aaaaaaaa", true));
  }

  @Test
  void oneSeedGivesOneSequenceOfInputs() {
    List<Object> a = new ArrayList<>();
    List<Object> b = new ArrayList<>();
    Property.run(99, 50, List.of(Gen.longs(0, 1L << 40), Gen.strings(0, 5)), a::add);
    Property.run(99, 50, List.of(Gen.longs(0, 1L << 40), Gen.strings(0, 5)), b::add);
    assertThat(a).hasSize(50 + 4 + 2 + 2).isEqualTo(b);
  }

  @Test
  void stringsShrinkToTheCharThatMatters() {
    assertThatThrownBy(
            () ->
                Property.run(
                    3,
                    500,
                    List.of(Gen.strings(0, 8)),
                    v -> assertThat((String) v.get(0)).doesNotContain("~")))
        .hasMessageContaining("shrunk: (\"~\")");
  }

  @Test
  void theSeedCanBeFixed() {
    String before = System.getProperty(Property.SEED);
    try {
      System.setProperty(Property.SEED, "0x2a");
      assertThat(Property.seed()).isEqualTo(42);
    } finally {
      if (before == null) {
        System.clearProperty(Property.SEED);
      } else {
        System.setProperty(Property.SEED, before);
      }
    }
  }
}
