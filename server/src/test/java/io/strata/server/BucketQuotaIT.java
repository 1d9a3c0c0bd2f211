package io.strata.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.strata.s3.CephS3;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
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
 * A fleet node whose bucket's quota is full (tester AM3): radosgw refuses every upload with 403
 * QuotaExceeded, the node says so within seconds and keeps the packs until space is freed.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class BucketQuotaIT {
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

  private StratadProcess node(String name) throws Exception {
    return fleet.start(name);
  }

  /** {@code radosgw-admin ARGS} on the tests' Ceph cluster. */
  private static void radosgwAdmin(String... args) throws Exception {
    List<String> cmd =
        new ArrayList<>(
            List.of("radosgw-admin", "-c", Path.of(CephS3.DIR, "ceph.conf").toString()));
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("radosgw-admin %s", cmd).isTrue();
    assertThat(p.exitValue()).as("%s: %s", cmd, out).isZero();
  }

  private static Cli.Result ok(Cli cli, String... args) {
    Cli.Result r = cli.strata(args);
    assertThat(r.exit()).as("strata %s: %s", String.join(" ", args), r).isZero();
    return r;
  }

  /** The node's log lines saying an upload was refused for the full quota. */
  private static List<String> refusals(StratadProcess p) throws Exception {
    List<String> lines = new ArrayList<>();
    for (String line : p.stderr().split("\n")) {
      if (line.contains("upload to") && line.contains("QuotaExceeded")) {
        lines.add(line);
      }
    }
    return lines;
  }

  @Test
  void aFullQuotaIsReportedWithinSecondsAndTheUploadsFinishOnceSpaceIsFreed() throws Exception {
    StratadProcess pa = node("a");
    Cli a = new Cli(pa.port());
    // Full: no upload of any size fits, as when the bucket's quota is used up.
    radosgwAdmin(
        "quota",
        "set",
        "--quota-scope=bucket",
        "--bucket=" + fleet.bucket().bucket(),
        "--max-size=1");
    radosgwAdmin("quota", "enable", "--quota-scope=bucket", "--bucket=" + fleet.bucket().bucket());

    // 16 MiB that does not compress: its pack is refused however radosgw counts the bucket.
    Map<String, byte[]> files = new LinkedHashMap<>();
    for (int i = 0; i < 16; i++) {
      files.put("data/r" + i + ".bin", TestData.random(300 + i, 1 << 20));
    }
    Path tar = dir.resolve("quota.tar");
    Files.write(tar, Tars.of(files));
    ok(a, "image", "import", tar.toString(), "-t", "quota:1");
    long acknowledged = System.nanoTime();
    Path before = dir.resolve("before.tar");
    ok(a, "image", "export", "quota:1", "-o", before.toString());

    // The refusal is in the log within seconds, naming the bucket, the key and S3's error code,
    // and the upload is tried again seconds later. Before the fix, a try whose "100 Continue" and
    // 403 the JDK read at once (a race radosgw mostly won) waited out the SDK's 60 s attempt
    // timeout and was retried by the SDK: four tries took minutes.
    while (refusals(pa).size() < 4) {
      assertThat(System.nanoTime() - acknowledged)
          .as("four refused upload tries logged: %s", pa.stderr())
          .isLessThan(TimeUnit.SECONDS.toNanos(15));
      Thread.sleep(100);
    }
    Matcher m =
        Pattern.compile(
                "WARNING .*pack ([0-9a-f]{8}): upload to "
                    + Pattern.quote(fleet.bucket().location())
                    + " .* PUT packs/\\1\\.pack failed: 403 QuotaExceeded")
            .matcher(refusals(pa).get(0));
    assertThat(m.find()).as("the refusal names bucket, key and code: %s", refusals(pa)).isTrue();
    assertThat(ok(a, "info").out()).containsPattern("pending uploads: +[1-9]");

    // Space freed: the packs go up at the next try, and another node exports the same bytes.
    radosgwAdmin("quota", "disable", "--quota-scope=bucket", "--bucket=" + fleet.bucket().bucket());
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (!a.strata("info").out().matches("(?s).*pending uploads: +0 .*")) {
      assertThat(System.nanoTime()).as("uploads finished").isLessThan(deadline);
      Thread.sleep(200);
    }
    Cli b = new Cli(node("b").port());
    Path after = dir.resolve("after.tar");
    ok(b, "image", "export", "quota:1", "-o", after.toString());
    assertThat(Files.mismatch(before, after)).as("export on b against a's").isEqualTo(-1);
  }
}
