package io.strata.server.op;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * fsck's "used by": the roots the chunk store names, as the stores that keep them call them (round
 * 8, P7). The stores' own names are tested with each store; this is how they are put together.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class DamageUsersTest {
  private final DamageUsers users =
      new DamageUsers(
          List.of(
              Map.of("blob/ab", List.of("blob sha256:ab")),
              Map.of(
                  "snap/sha256:c1", List.of("image web:1", "image app:1"),
                  "img/layer/c1", List.of("image app:1")),
              Map.of("snap/ctr-ff", List.of("container c1 (ffffffffffff)")),
              // the same root named by a second store too: both names, once each
              Map.of("snap/sha256:c1", List.of("image app:1", "image old:2"))));

  @Test
  void rootsBecomeWhatTheUserKnowsEachOnceSorted() {
    assertThat(users.of(List.of("snap/ctr-ff", "img/layer/c1", "snap/sha256:c1", "blob/ab")))
        .containsExactly(
            "blob sha256:ab",
            "container c1 (ffffffffffff)",
            "image app:1",
            "image old:2",
            "image web:1");
  }

  @Test
  void aRootNoStoreNamesIsShownAsItIsNotDropped() {
    assertThat(users.of(List.of("zfs/pool", "blob/ab")))
        .containsExactly("blob sha256:ab", "zfs/pool");
    assertThat(users.of(List.of())).isEmpty();
  }
}
