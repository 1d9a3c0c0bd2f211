package io.strata.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.strata.s3.CephS3;
import io.strata.server.metrics.Scrape;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The figures a fleet of real stratads on one bucket of a real Ceph radosgw gives an operator: what
 * a fleet's gc reclaimed and how (X4a), and what {@code /metrics} says of the bucket, the uploads
 * and the cache (X4b).
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class FleetFiguresIT {
  private static final HttpClient HTTP =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(10))
          .build();

  @TempDir Path dir;
  private Fleet fleet;

  @BeforeAll
  static void s3() throws Exception {
    CephS3.ensureRunning();
  }

  @BeforeEach
  void fleet() {
    fleet = new Fleet(dir);
  }

  @AfterEach
  void stop() {
    fleet.close();
  }

  /**
   * A node on data root {@code name} of this test's bucket, its metrics on port {@code metrics}.
   */
  private Cli node(String name, int metrics) throws Exception {
    return new Cli(fleet.start(name, "--metrics", "127.0.0.1:" + metrics).port());
  }

  private Path tar(String name) throws Exception {
    Map<String, byte[]> content = new LinkedHashMap<>();
    for (int i = 0; i < 12; i++) {
      content.put("data/f" + i + ".txt", TestData.text(900 + i, 400_000));
    }
    Path tar = dir.resolve(name);
    Files.write(tar, Tars.of(content));
    return tar;
  }

  private static Cli.Result ok(Cli cli, String... args) {
    Cli.Result r = cli.strata(args);
    assertThat(r.exit()).as("strata %s: %s", String.join(" ", args), r).isZero();
    return r;
  }

  private static void awaitUploaded(Cli n) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (!n.strata("info").out().matches("(?s).*pending uploads: +0 .*")) {
      assertThat(System.nanoTime()).as("uploads finished").isLessThan(deadline);
      Thread.sleep(200);
    }
  }

  private static String scrape(int port) throws Exception {
    HttpResponse<String> r =
        HTTP.send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics"))
                .timeout(Duration.ofSeconds(30))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as("/metrics: %s", r.body()).isEqualTo(200);
    return r.body();
  }

  private static long jsonLong(String json, String key) {
    Matcher m = Pattern.compile("\"" + key + "\"\\s*:\\s*(\\d+)").matcher(json);
    assertThat(m.find()).as("%s in %s", key, json).isTrue();
    return Long.parseLong(m.group(1));
  }

  /** Imports {@code tar} on every node of {@code on} at the same moment, each as its own tag. */
  private static void importAtOnce(List<Cli> on, Path tar) throws Exception {
    List<Thread> threads = new ArrayList<>();
    List<Cli.Result> results = java.util.Collections.synchronizedList(new ArrayList<>());
    CountDownLatch go = new CountDownLatch(1);
    for (int i = 0; i < on.size(); i++) {
      Cli n = on.get(i);
      String[] args = {"image", "import", tar.toString(), "-t", "same:" + i};
      Thread t =
          new Thread(
              () -> {
                try {
                  go.await();
                } catch (InterruptedException e) {
                  return;
                }
                results.add(n.strata(args));
              });
      t.start();
      threads.add(t);
    }
    go.countDown();
    for (Thread t : threads) {
      t.join(240_000);
    }
    assertThat(results).hasSize(on.size()).allSatisfy(r -> assertThat(r.exit()).isZero());
  }

  @Test
  void aFleetGcSaysItDroppedTheDuplicatesTwoNodesStoredAndTheMetricsCountThem() throws Exception {
    Cli a = node("a", 9541);
    Cli b = node("b", 9542);
    // Neither node sees the other's packs in time: each stores the files, the bucket has them
    // twice.
    importAtOnce(List.of(a, b), tar("same.tar"));
    awaitUploaded(a);
    awaitUploaded(b);
    String json = ok(a, "--json", "gc").out();
    long duplicates = jsonLong(json, "duplicatesDropped");
    long packs = jsonLong(json, "packsDeleted");
    long bytes = jsonLong(json, "bytesReclaimed");
    // X4a: the bytes came from the duplicates' packs, which the chunk count alone does not show
    assertThat(json).contains("\"fleet\" : {");
    assertThat(duplicates).as("duplicates dropped: %s", json).isPositive();
    assertThat(packs).as("packs deleted: %s", json).isPositive();
    assertThat(bytes).as("bytes reclaimed: %s", json).isPositive();
    // the log says the same, where it said "deleted 3 packs (0 chunks, …)": one line per round,
    // and a gc takes a second round when a pack it emptied held chunks a node wrote after its
    // live set, so the rounds' figures add up to the command's
    java.util.regex.Matcher round =
        java.util.regex.Pattern.compile(
                "fleet gc [0-9]+: removed [0-9]+ unreferenced chunks, dropped ([0-9]+) duplicate"
                    + " copies, repacked [0-9]+ chunks, deleted ([0-9]+) packs: reclaimed ([0-9]+)"
                    + " bytes")
            .matcher(fleet.node(0).stderr() + fleet.node(0).stdout());
    long[] logged = new long[3];
    int rounds = 0;
    while (round.find()) {
      rounds++;
      for (int g = 0; g < 3; g++) {
        logged[g] += Long.parseLong(round.group(g + 1));
      }
    }
    assertThat(rounds).as("fleet gc rounds logged").isPositive();
    assertThat(logged).containsExactly(duplicates, packs, bytes);
    String metrics = scrape(9541);
    assertThat(Scrape.value(metrics, "strata_gc_runs_total")).isEqualTo(1);
    assertThat(Scrape.value(metrics, "strata_gc_duplicates_dropped_total")).isEqualTo(duplicates);
    assertThat(Scrape.value(metrics, "strata_gc_packs_deleted_total")).isEqualTo(packs);
    assertThat(Scrape.value(metrics, "strata_gc_last_reclaimed_bytes")).isEqualTo(bytes);
    assertThat(Scrape.value(metrics, "strata_gc_last_run_timestamp_seconds"))
        .isGreaterThan(System.currentTimeMillis() / 1000.0 - 300);
    // Nothing left to reclaim: the plain line names every figure, all of them 0.
    assertThat(ok(a, "gc").out())
        .startsWith(
            "removed 0 unreferenced chunks, dropped 0 duplicate copies (aliased to one copy),"
                + " repacked 0 chunks, deleted 0 packs of the bucket: reclaimed 0 bytes");
  }

  @Test
  void aFleetNodesMetricsShowItsBucketUploadsAndCache() throws Exception {
    Cli a = node("a", 9543);
    ok(a, "image", "import", tar("one.tar").toString(), "-t", "one:1");
    awaitUploaded(a);
    String info = ok(a, "info").out();
    String metrics = scrape(9543);
    // X4b: what strata info shows of the bucket, without a request to it per scrape
    assertThat(Scrape.value(metrics, "strata_fleet_pending_uploads")).isEqualTo(0);
    assertThat(Scrape.value(metrics, "strata_fleet_bucket_packs")).as(info).isPositive();
    assertThat(Scrape.value(metrics, "strata_fleet_bucket_bytes")).as(info).isGreaterThan(1e6);
    assertThat(Scrape.value(metrics, "strata_fleet_uploaded_bytes_total"))
        .isGreaterThanOrEqualTo(Scrape.value(metrics, "strata_fleet_bucket_bytes"));
    assertThat(Scrape.value(metrics, "strata_fleet_cache_budget_bytes")).isEqualTo(128 << 20);
    assertThat(Scrape.value(metrics, "strata_fleet_cache_hits_total")).isNotNaN();
    assertThat(Scrape.value(metrics, "strata_fleet_cache_misses_total")).isNotNaN();
    assertThat(Scrape.value(metrics, "strata_fleet_fetched_bytes_total")).isNotNaN();
    assertThat(Scrape.value(metrics, "strata_fleet_cache_bytes")).isNotNaN();
  }
}
