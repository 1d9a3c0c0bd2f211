package io.strata.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * docker's {@code --filter} on the prunes and on {@code images} (docs/ADVERSARIAL.md, AG8), through
 * a real stratad and the real CLI: a prune with {@code until=} and {@code label=}/{@code label!=}
 * removes exactly what matches and keeps the rest; {@code images --filter before=/since=/label=}
 * list exactly the right ones; a bad filter is a usage error that changes nothing.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class PruneFiltersIT {
  @TempDir Path dir;

  private static TestServer.CliRun ok(TestServer s, String... args) {
    TestServer.CliRun r = s.cli(args);
    assertThat(r.code()).as("strata %s: %s", String.join(" ", args), r.stderr()).isZero();
    return r;
  }

  /** The lines of {@code strata ARGS}, sorted. */
  private static List<String> lines(TestServer s, String... args) {
    return ok(s, args).out().lines().sorted().toList();
  }

  private static List<String> repositories(TestServer s, String... filters) {
    String[] args = new String[filters.length * 2 + 3];
    args[0] = "images";
    args[1] = "--format";
    args[2] = "{{.Repository}}";
    for (int i = 0; i < filters.length; i++) {
      args[3 + 2 * i] = "--filter";
      args[4 + 2 * i] = filters[i];
    }
    return lines(s, args);
  }

  private static List<String> containers(TestServer s) {
    return lines(s, "ps", "-a", "--format", "{{.Names}}");
  }

  /** Builds {@code tag} from base:1 with the {@code LABEL} line {@code labels}. */
  private void build(TestServer s, String tag, String labels) throws IOException {
    Path ctx = Files.createDirectories(dir.resolve("ctx-" + tag.replace(':', '-')));
    Files.writeString(ctx.resolve("Dockerfile"), "FROM base:1\nLABEL " + labels + "\n");
    ok(s, "build", "-t", tag, ctx.toString());
  }

  /**
   * An instant strictly between what was made before and what is made after: creation times are the
   * servers' clock, the same as this one, to the millisecond or better.
   */
  private static String boundary() throws InterruptedException {
    Thread.sleep(1100);
    Instant t = Instant.now();
    Thread.sleep(1100);
    return t.toString();
  }

  private Path base() throws IOException {
    Path base = Files.createDirectories(dir.resolve("base/etc"));
    Files.writeString(base.resolve("hostname"), "base\n");
    return dir.resolve("base");
  }

  @Test
  void imagesAndImagePruneFilterByTimeAndLabel() throws Exception {
    Path fresh = Files.createDirectories(dir.resolve("fresh"));
    Files.writeString(fresh.resolve("f"), "fresh\n");
    try (TestServer s = TestServer.start(dir.resolve("root"), "btrfs", List.of())) {
      ok(s, "image", "import", base().toString(), "-t", "base:1");
      build(s, "lab-old:1", "env=test n=1");
      build(s, "keep-old:1", "env=test keep=yes n=2");
      build(s, "prod-old:1", "env=prod n=3");
      String t = boundary();
      build(s, "lab-new:1", "env=test n=4");
      ok(s, "image", "import", fresh.toString(), "-t", "fresh:1");

      assertThat(repositories(s, "before=lab-new:1"))
          .containsExactly("base", "keep-old", "lab-old", "prod-old");
      assertThat(repositories(s, "since=prod-old:1")).containsExactly("fresh", "lab-new");
      assertThat(repositories(s, "label=env=test"))
          .containsExactly("keep-old", "lab-new", "lab-old");
      assertThat(repositories(s, "label=env=test", "label=keep"))
          .as("several label= must all hold")
          .containsExactly("keep-old");
      assertThat(repositories(s, "label=env"))
          .containsExactly("keep-old", "lab-new", "lab-old", "prod-old");
      assertThat(repositories(s, "label=env=test", "since=base:1", "before=lab-new:1"))
          .containsExactly("keep-old", "lab-old");
      assertThat(repositories(s, "label=nothing")).isEmpty();

      List<String> all = repositories(s);
      for (String[] bad :
          new String[][] {
            {"images", "--filter", "before="},
            {"images", "--filter", "label==x"},
            {"image", "prune", "-a", "-f", "--filter", "until=yesterday"},
            {"image", "prune", "-a", "-f", "--filter", "until=1d"},
            {"image", "prune", "-a", "-f", "--filter", "label!="},
            {"image", "prune", "-a", "-f", "--filter", "dangling=maybe"},
            {"image", "prune", "-a", "-f", "--filter", "reference=x"},
            {"image", "prune", "-a", "-f", "--filter", "until=1h", "--filter", "until=2h"},
          }) {
        TestServer.CliRun r = s.cli(bad);
        assertThat(r.code()).as(String.join(" ", bad)).isEqualTo(2);
        assertThat(r.stderr()).as(String.join(" ", bad)).startsWith("strata: invalid filter '");
        assertThat(r.stdout()).isEmpty();
      }
      assertThat(repositories(s)).as("nothing changed by the refused prunes").isEqualTo(all);
      assertThat(s.cli("images", "--filter", "since=nosuch:1").code()).isEqualTo(4);

      // before the boundary, labelled env=test, and not keep: only lab-old
      String out =
          ok(
                  s,
                  "image",
                  "prune",
                  "-a",
                  "-f",
                  "--filter",
                  "until=" + t,
                  "--filter",
                  "label=env=test",
                  "--filter",
                  "label!=keep")
              .out();
      assertThat(out).contains("untagged: lab-old:1").doesNotContain("keep-old");
      assertThat(repositories(s))
          .containsExactly("base", "fresh", "keep-old", "lab-new", "prod-old");

      // a duration: made more than a second ago (everything but what comes next)
      Thread.sleep(1100);
      TestServer.CliRun kept = ok(s, "container", "create", "--name", "user", "fresh:1");
      assertThat(kept.code()).isZero();
      ok(s, "image", "prune", "-f", "--filter", "until=" + t);
      assertThat(repositories(s))
          .as("no untagged image: nothing")
          .containsExactly("base", "fresh", "keep-old", "lab-new", "prod-old");
      // dangling=false is docker's -a
      ok(s, "image", "prune", "-f", "--filter", "dangling=false", "--filter", "until=" + t);
      assertThat(repositories(s))
          .as("created after the boundary, or used by a container")
          .containsExactly("fresh", "lab-new");
      ok(s, "image", "prune", "-a", "-f", "--filter", "until=1s", "--filter", "label!=n=4");
      assertThat(repositories(s))
          .as("fresh is used, lab-new has n=4")
          .containsExactly("fresh", "lab-new");
      ok(s, "image", "prune", "-a", "-f", "--filter", "until=1s");
      assertThat(repositories(s)).containsExactly("fresh");
      ok(s, "fsck");
    }
  }

  @Test
  void containerVolumeAndSystemPrunesFilter() throws Exception {
    try (TestServer s = TestServer.start(dir.resolve("root"), "btrfs", List.of())) {
      ok(s, "image", "import", base().toString(), "-t", "base:1");
      ok(s, "create", "--name", "old-test", "--label", "env=test", "base:1");
      ok(s, "create", "--name", "old-keep", "--label", "env=test", "--label", "keep", "base:1");
      ok(s, "create", "--name", "old-none", "base:1");
      ok(s, "create", "--name", "old-prod", "--label", "env=prod", "base:1");
      String t = boundary();
      ok(s, "create", "--name", "new-test", "--label", "env=test", "base:1");

      for (String[] bad :
          new String[][] {
            {"container", "prune", "-f", "--filter", "until=10x"},
            {"container", "prune", "-f", "--filter", "label="},
            {"container", "prune", "-f", "--filter", "name=old"},
            {"system", "prune", "-f", "--filter", "until=soon"},
            {"system", "prune", "-f", "--volumes", "--filter", "until=1h"},
            {"volume", "prune", "-f", "--filter", "label=x"},
            {"volume", "prune", "-f", "--filter", "all=maybe"},
            {"volume", "prune", "-f", "--filter", "until=1h"},
          }) {
        TestServer.CliRun r = s.cli(bad);
        assertThat(r.code()).as(String.join(" ", bad)).isEqualTo(2);
        assertThat(r.stderr()).as(String.join(" ", bad)).startsWith("strata: invalid filter '");
      }
      assertThat(s.cli("volume", "prune", "-f", "--filter", "label=x").stderr())
          .contains("Strata volumes have no labels");
      assertThat(containers(s)).hasSize(5);

      String out =
          ok(
                  s,
                  "container",
                  "prune",
                  "-f",
                  "--filter",
                  "until=" + t,
                  "--filter",
                  "label=env=test",
                  "--filter",
                  "label!=keep")
              .out();
      assertThat(out).startsWith("Deleted Containers:\n");
      assertThat(out.lines().filter(l -> l.matches("[0-9a-f]{64}")).count()).isEqualTo(1);
      assertThat(containers(s)).containsExactly("new-test", "old-keep", "old-none", "old-prod");

      // system prune passes the filter on: only old-prod goes, no image (base:1 has no label)
      TestServer.CliRun sys = ok(s, "system", "prune", "-a", "-f", "--filter", "label=env=prod");
      assertThat(sys.stderr()).contains("build cache left as it is");
      assertThat(containers(s)).containsExactly("new-test", "old-keep", "old-none");

      ok(s, "container", "prune", "-f", "--filter", "until=" + t);
      assertThat(containers(s)).containsExactly("new-test");

      // all=true is -a: named unused volumes go too
      ok(s, "volume", "create", "named");
      ok(s, "volume", "prune", "-f");
      assertThat(lines(s, "volume", "ls", "-q")).containsExactly("named");
      ok(s, "volume", "prune", "-f", "--filter", "all=true");
      assertThat(lines(s, "volume", "ls", "-q")).isEmpty();

      ok(s, "container", "prune", "-f", "--filter", "label!=nothing");
      assertThat(containers(s)).isEmpty();
      assertThat(Arrays.asList(ok(s, "images", "-q").out().split("\n"))).hasSize(1);
    }
  }
}
