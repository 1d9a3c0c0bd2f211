package io.strata.store.container;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * What fsck calls the root of a container's writable layer ({@link ContainerStore#rootNames}): the
 * container's name and short id, as {@code strata ps} shows them, not {@code snap/ctr-<64 hex>}
 * (round 8, P7).
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class ContainerRootNamesTest {
  @TempDir Path dir;

  @Test
  void eachWritableLayerIsNamedByItsContainersNameAndShortId() throws IOException {
    Path base = Files.createDirectories(dir.resolve("base/etc"));
    Files.writeString(base.resolve("a.conf"), "a\n");
    try (ContainerFixture fix = new ContainerFixture(dir.resolve("data"), List.of())) {
      fix.images().importPath(dir.resolve("base").toString(), "base:1");
      ContainerStore containers = fix.containers();
      String web = containers.create("base:1", "web", List.of());
      String unnamed = containers.create("base:1", null, List.of());
      String gone = containers.create("base:1", "gone", List.of());
      containers.remove("gone", false);

      Map<String, List<String>> names = containers.rootNames();
      assertThat(names.get("snap/ctr-" + web))
          .containsExactly("container web (" + web.substring(0, 12) + ")");
      assertThat(names.get("snap/ctr-" + unnamed))
          .containsExactly(
              "container strata_"
                  + unnamed.substring(0, 12)
                  + " ("
                  + unnamed.substring(0, 12)
                  + ")");
      assertThat(names).hasSize(2).doesNotContainKey("snap/ctr-" + gone);
    }
  }
}
