package io.strata.store.container;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A snapshot a container operation left behind (no container names it) that cannot be removed when
 * the data root opens stays for the next start, and the data root opens: its removal's failure (a
 * full disk, after a commit that failed on it left its frozen view) kept the server from starting
 * (tester AT3). Here the removal fails because another snapshot was made from it.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class OrphanAtStartTest {
  @TempDir Path dir;

  @Test
  void anOrphanThatCannotBeRemovedLeavesTheDataRootOpening() throws Exception {
    String orphan = ContainerStore.SNAPSHOT_PREFIX + "0123456789abcdef.frozen-1";
    try (ContainerFixture f = new ContainerFixture(dir, List.of())) {
      f.driver().prepare("tmp", null, Map.of());
      f.driver().commit(orphan, "tmp", Map.of());
      f.driver().prepare("child", orphan, Map.of());

      f.reopen(); // threw: "snapshot ... has child child; remove it first"

      List<String> keys = new ArrayList<>();
      f.driver().walk(s -> keys.add(s.key()));
      assertThat(keys).contains(orphan, "child");
      assertThat(f.containers().list()).isEmpty();
    }
  }
}
