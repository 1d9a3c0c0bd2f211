package io.strata.server.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.strata.store.engine.FsckReport;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 30, unit = TimeUnit.SECONDS)
class FsckMetricsTest {
  private static final FsckReport DAMAGED =
      new FsckReport(
          10,
          List.of(
              new FsckReport.Damage("sha256:" + "ab".repeat(32), "hash mismatch", List.of()),
              new FsckReport.Damage("chunk #7", "its digest is lost", List.of()),
              new FsckReport.Damage("pack 0000000a.pack", "truncated", List.of()),
              new FsckReport.Damage("tree sha256:" + "cd".repeat(32), "unreadable", List.of()),
              new FsckReport.Damage(
                  "staged blob sha256:" + "ef".repeat(32) + " (x)", "damaged", List.of())));

  @Test
  void aDamagedRunIsCountedAndItsDamageShownByKindUntilAClearRun() {
    ServerMetrics m = new ServerMetrics(Clock.fixed(Instant.ofEpochSecond(1000), ZoneOffset.UTC));
    String before = m.render(null);
    assertThat(Scrape.value(before, "strata_fsck_runs_total{result=\"damaged\"}")).isEqualTo(0);
    assertThat(Scrape.value(before, "strata_fsck_damaged{kind=\"chunk\"}")).isNaN();

    m.fsck().completed(DAMAGED);
    String after = m.render(null);
    assertThat(Scrape.value(after, "strata_fsck_runs_total{result=\"damaged\"}")).isEqualTo(1);
    assertThat(Scrape.value(after, "strata_fsck_runs_total{result=\"clean\"}")).isEqualTo(0);
    assertThat(Scrape.value(after, "strata_fsck_damaged{kind=\"chunk\"}")).isEqualTo(2);
    assertThat(Scrape.value(after, "strata_fsck_damaged{kind=\"pack\"}")).isEqualTo(1);
    assertThat(Scrape.value(after, "strata_fsck_damaged{kind=\"tree\"}")).isEqualTo(1);
    assertThat(Scrape.value(after, "strata_fsck_damaged{kind=\"blob\"}")).isEqualTo(1);
    assertThat(Scrape.value(after, "strata_fsck_damaged{kind=\"dictionary\"}")).isEqualTo(0);
    assertThat(Scrape.value(after, "strata_fsck_checked_chunks")).isEqualTo(10);
    assertThat(Scrape.value(after, "strata_fsck_last_run_timestamp_seconds")).isEqualTo(1000);
    assertThat(Scrape.value(after, "strata_fsck_last_run_completed")).isEqualTo(1);

    m.fsck().completed(new FsckReport(12, List.of()));
    String clean = m.render(null);
    assertThat(Scrape.value(clean, "strata_fsck_runs_total{result=\"clean\"}")).isEqualTo(1);
    assertThat(Scrape.value(clean, "strata_fsck_damaged{kind=\"chunk\"}")).isEqualTo(0);
    assertThat(Scrape.value(clean, "strata_fsck_damaged{kind=\"pack\"}")).isEqualTo(0);
  }

  @Test
  void aFailedRunSaysSoAndKeepsTheLastCompletedRunsFindings() {
    ServerMetrics m = new ServerMetrics(Clock.fixed(Instant.ofEpochSecond(2000), ZoneOffset.UTC));
    m.fsck().completed(DAMAGED);
    m.fsck().failed();
    String text = m.render(null);
    assertThat(Scrape.value(text, "strata_fsck_runs_total{result=\"failed\"}")).isEqualTo(1);
    assertThat(Scrape.value(text, "strata_fsck_last_run_completed")).isEqualTo(0);
    assertThat(Scrape.value(text, "strata_fsck_last_completed_timestamp_seconds")).isEqualTo(2000);
    assertThat(Scrape.value(text, "strata_fsck_damaged{kind=\"chunk\"}")).isEqualTo(2);
  }
}
