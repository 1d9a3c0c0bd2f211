package io.strata.perf.report;

import static org.assertj.core.api.Assertions.assertThat;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class PerfReportTest {
  @TempDir Path dir;

  @BeforeAll
  static void headless() {
    System.setProperty("java.awt.headless", "true");
  }

  @Test
  void tablesAreReadWithEscapedPipesAndNotesApart() {
    MarkdownTables.Parsed p =
        MarkdownTables.parse(
            List.of(
                "# 2026-12-05, 2 cores",
                "",
                "| tool | MB/s |",
                "| --- | ---: |",
                "| tar \\| zstd -3 | 143.1 |",
                "| borg | 91 |",
                "text between",
                "| a |",
                "| - |",
                "| 1 |"));
    assertThat(p.notes()).containsExactly("# 2026-12-05, 2 cores", "text between");
    assertThat(p.tables()).hasSize(2);
    assertThat(p.tables().get(0)).hasSize(2);
    assertThat(p.tables().get(0).get(0)).containsEntry("tool", "tar | zstd -3");
    assertThat(p.tables().get(0).get(1)).containsEntry("MB/s", "91");
    assertThat(p.rows()).hasSize(3);
  }

  @Test
  void theReportTakesMediansRatiosToBorgAndDrawsCharts() throws Exception {
    Path run = Files.createDirectories(dir.resolve("run"));
    Files.write(
        run.resolve("import.md"),
        List.of(
            "# 2026-12-05 04:00 UTC, 2 cores, load 1.0",
            "| round | tool | tree | tree bytes | seconds | MB/s | borg MB/s | ratio | CPU s |"
                + " CPU ms/MB | borg CPU ms/MB | stored bytes |",
            "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
            "| 1 | borg zstd,3 | deb-min | 200000000 | 2 | 100.0 | | | 2 | 10.0 | | 95000000 |",
            "| 1 | strata fresh dir | deb-min | 200000000 | 4 | 50.0 | 100 | 0.5× | 3 | 15.0 | 10 |"
                + " 90000000 |",
            "| 2 | strata fresh dir | deb-min | 200000000 | 2 | 70.0 | 100 | 0.7× | 3 | 13.0 | 10 |"
                + " 90000000 |",
            "| 3 | strata fresh dir | deb-min | 200000000 | 2 | 300.0 | 100 | 3× | 3 | 11.0 | 10 |"
                + " 90000000 |",
            "| 1 | strata fresh dir | stored after all | | | | | | | | | 90000000 |"));
    Files.write(
        run.resolve("peers.md"),
        List.of(
            "| round | tool | tree | bytes | seconds | MB/s | CPU s | CPU ms/MB | stored bytes |",
            "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
            "| 1 | tar \\| zstd -3 | deb-min | 200000000 | 1 | 140.0 | 1 | 5.0 | 85000000 |"));
    Files.write(
        run.resolve("many-files.md"),
        List.of(
            "# many", "| files | step | seconds |", "| --- | --- | --- |", "| 100000 | x | 1 |"));
    Path assets = dir.resolve("docs/perf");
    Files.createDirectories(assets);
    Files.writeString(assets.resolve("targets.md"), "## Targets\n\nhand-written\n");
    Path report = dir.resolve("docs/PERF.md");

    new PerfReport(run, report, assets).write();

    String md = Files.readString(report);
    // strata's median of 50, 70, 300 is 70: 0.70× borg's 100; its CPU median 13.0
    assertThat(md).contains("| strata fresh dir | 70.00 | 0.70× | 13.00 | 90.00 |");
    assertThat(md).contains("| borg zstd,3 | 100 | 1.00× | 10.00 | 95.00 |");
    assertThat(md).contains("| tar \\| zstd -3 | 140 | 1.40× | 5.00 | 85.00 |");
    assertThat(md.indexOf("strata fresh dir |")).isLessThan(md.indexOf("| borg zstd,3 |"));
    assertThat(md).contains("import.md: 2026-12-05 04:00 UTC, 2 cores, load 1.0");
    assertThat(md).contains("| 100000 | x | 1 |").contains("hand-written");
    assertThat(md).contains("![import-throughput.png](perf/import-throughput.png)");
    for (String png : List.of("import-throughput.png", "import-cpu.png", "stored-bytes.png")) {
      BufferedImage img = ImageIO.read(assets.resolve(png).toFile());
      assertThat(img).as(png).isNotNull();
      assertThat(img.getWidth()).isEqualTo(900);
      // three tools in one group: taller than an empty chart
      assertThat(img.getHeight()).as(png).isGreaterThan(100);
    }
  }
}
