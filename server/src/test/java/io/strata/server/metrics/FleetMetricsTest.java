package io.strata.server.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.strata.store.engine.GcResult;
import io.strata.store.engine.StoreInfo;
import io.strata.store.remote.SharedStore;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 10, unit = TimeUnit.SECONDS)
class FleetMetricsTest {
  private static final Clock CLOCK =
      Clock.fixed(Instant.ofEpochSecond(1_700_000_000), ZoneOffset.UTC);

  private static StoreInfo info(SharedStore.Stats shared) {
    return new StoreInfo(
        "0.1.0", "vfs", Path.of("/d"), "zstd", 10, 4000, 900, 100, 200, 1000, 800, 0, shared);
  }

  @Test
  void aFleetNodeShowsItsBucketUploadsPendingAndCache() {
    ServerMetrics m = new ServerMetrics(CLOCK);
    String text =
        m.render(
            info(
                new SharedStore.Stats(
                    "s3://b/p", "n1", 7, 70_000, 2, 5000, 128 << 20, 11, 3, 9000, 60_000)));
    assertThat(Scrape.value(text, "strata_fleet_pending_uploads")).isEqualTo(2);
    assertThat(Scrape.value(text, "strata_fleet_bucket_packs")).isEqualTo(7);
    assertThat(Scrape.value(text, "strata_fleet_bucket_bytes")).isEqualTo(70_000);
    assertThat(Scrape.value(text, "strata_fleet_cache_bytes")).isEqualTo(5000);
    assertThat(Scrape.value(text, "strata_fleet_cache_budget_bytes")).isEqualTo(128 << 20);
    assertThat(Scrape.value(text, "strata_fleet_cache_hits_total")).isEqualTo(11);
    assertThat(Scrape.value(text, "strata_fleet_cache_misses_total")).isEqualTo(3);
    assertThat(Scrape.value(text, "strata_fleet_fetched_bytes_total")).isEqualTo(9000);
    assertThat(Scrape.value(text, "strata_fleet_uploaded_bytes_total")).isEqualTo(60_000);
  }

  @Test
  void aStoreOfThisDiskOnlyHasNoFleetSeries() {
    String text = new ServerMetrics(CLOCK).render(info(null));
    assertThat(text).doesNotContain("strata_fleet_");
    assertThat(Scrape.value(text, "strata_chunks")).isEqualTo(10);
  }

  @Test
  void aFleetGcCountsEachWayItReclaimedAndWhenItRan() {
    ServerMetrics m = new ServerMetrics(CLOCK);
    assertThat(Scrape.value(m.render(null), "strata_gc_last_run_timestamp_seconds")).isEqualTo(0);
    m.gc(new GcResult(1, 12_017_064, true, 3, 2, 3));
    m.gc(new GcResult(0, 4_323_096, true, 4, 0, 1));
    String text = m.render(null);
    assertThat(Scrape.value(text, "strata_gc_runs_total")).isEqualTo(2);
    assertThat(Scrape.value(text, "strata_gc_chunks_removed_total")).isEqualTo(1);
    assertThat(Scrape.value(text, "strata_gc_duplicates_dropped_total")).isEqualTo(7);
    assertThat(Scrape.value(text, "strata_gc_chunks_repacked_total")).isEqualTo(2);
    assertThat(Scrape.value(text, "strata_gc_packs_deleted_total")).isEqualTo(4);
    assertThat(Scrape.value(text, "strata_gc_reclaimed_bytes_total")).isEqualTo(16_340_160);
    assertThat(Scrape.value(text, "strata_gc_last_reclaimed_bytes")).isEqualTo(4_323_096);
    assertThat(Scrape.value(text, "strata_gc_last_run_timestamp_seconds")).isEqualTo(1_700_000_000);
  }
}
