package io.strata.s3;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * The real S3 of the scale-out tests: radosgw on a one-node Ceph cluster, started by {@code
 * .ci/ceph-s3.sh} unless one already answers (CI starts it once for every test). Each test takes a
 * bucket of its own. {@code CEPH_S3_DIR} and {@code CEPH_S3_ENDPOINT} name a cluster started
 * elsewhere ({@code RGW_PORT=7690 .ci/ceph-s3.sh start DIR}).
 */
public final class CephS3 {
  public static final String DIR = System.getenv().getOrDefault("CEPH_S3_DIR", "/tmp/strata-ceph");
  // CEPH_S3_ENDPOINT: a cluster started with another RGW_PORT (another one may be using 7480).
  public static final URI ENDPOINT =
      URI.create(System.getenv().getOrDefault("CEPH_S3_ENDPOINT", "http://127.0.0.1:7480"));

  private CephS3() {}

  /** Makes sure radosgw answers, starting the cluster if needed. */
  public static synchronized void ensureRunning() throws IOException, InterruptedException {
    if (answers() && Files.exists(credentials())) {
      return;
    }
    Path script = Path.of("..", ".ci", "ceph-s3.sh").toAbsolutePath().normalize();
    Process p =
        new ProcessBuilder("bash", script.toString(), "start", DIR)
            .redirectErrorStream(true)
            .redirectOutput(Path.of("target", "ceph-s3-start.log").toFile())
            .start();
    if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
      p.destroyForcibly();
      throw new IOException(
          "no S3 for the scale-out tests: "
              + script
              + " start failed (needs root and Debian's ceph-mon ceph-osd radosgw ceph-common);"
              + " see s3/target/ceph-s3-start.log");
    }
  }

  public static boolean answers() {
    try {
      HttpClient c = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
      HttpResponse<Void> r =
          c.send(
              HttpRequest.newBuilder(ENDPOINT).timeout(Duration.ofSeconds(5)).build(),
              HttpResponse.BodyHandlers.discarding());
      return r.statusCode() == 200;
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  public static Path credentials() {
    return Path.of(DIR, "credentials");
  }

  /** Settings for a bucket no other test uses. */
  public static S3Settings freshBucket() {
    return S3Settings.parse(
            "s3://strata-it-" + UUID.randomUUID().toString().substring(0, 8) + "/fleet")
        .withEndpoint(ENDPOINT)
        .withCredentials(credentials())
        .withPathStyle(true);
  }
}
