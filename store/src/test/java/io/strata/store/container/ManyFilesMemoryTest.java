package io.strata.store.container;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A container with 100,000 added files is diffed and listed in a JVM whose heap is far smaller than
 * a list of its changes (docs/ADVERSARIAL.md, G5): diff and ps's SIZE held every changed path or
 * file in memory and ran the server out of heap. Each request runs in a JVM of its own ({@link
 * ManyFilesMain}) with a small heap, after the container is made in one with room.
 */
class ManyFilesMemoryTest {
  /**
   * The heaps the requests get: before the fix, diff ran out of heap at 40 MiB and ps at 16 MiB
   * with these 100,000 files; now diff fits in 24 MiB (its node cache is an eighth of the heap).
   */
  static final String DIFF_HEAP = "-Xmx32m";

  static final String PS_HEAP = "-Xmx16m";

  static final int DIRS = 100;
  static final int FILES = 1000;

  @TempDir Path dir;

  @Test
  @Timeout(value = 150, unit = TimeUnit.SECONDS)
  void diffAndPsOfManyAddedFilesFitASmallHeap() throws Exception {
    Path data = dir.resolve("data");
    assertThat(run("-Xmx256m", "make", data.toString(), "" + DIRS, "" + FILES)).contains("made");
    // every file, every directory and /copy
    assertThat(run(DIFF_HEAP, "diff", data.toString()))
        .contains("diff " + (DIRS * FILES + DIRS + 1));
    assertThat(run(PS_HEAP, "ps", data.toString())).containsPattern("ps [1-9][0-9]*");
    // commit is not in this test: its layer's import still keeps every added path
    // (LayerApplier's added set; docs/ADVERSARIAL.md, G5)
  }

  /** Runs {@link ManyFilesMain} with {@code heap}; its output, after checking it ended well. */
  private String run(String heap, String... args) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.add(heap);
    cmd.add("-Dstrata.test.heapNodeCache=true"); // the node cache sized as the server sizes it
    cmd.add("-XX:+UseSerialGC");
    cmd.add("-XX:TieredStopAtLevel=1");
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    cmd.add(ManyFilesMain.class.getName());
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
    System.out.println(heap + " " + args[0] + ": " + out.replaceAll("(?s)(.{2000}).*", "$1…"));
    assertThat(p.exitValue()).as(args[0] + " at " + heap + ":\n" + out).isZero();
    return out;
  }
}
