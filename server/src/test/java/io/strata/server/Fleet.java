package io.strata.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.strata.s3.CephS3;
import io.strata.s3.S3Settings;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The stratads of one test: nodes of a fleet on one fresh bucket of the tests' Ceph cluster (which
 * {@link CephS3#ensureRunning} starts once for every test), their data roots and logs under the
 * test's directory. {@link #close} stops them all.
 */
final class Fleet implements AutoCloseable {
  private final Path dir;
  private final List<StratadProcess> nodes = new ArrayList<>();
  private S3Settings bucket;

  /** A fleet whose data roots and logs go under {@code dir}. */
  Fleet(Path dir) {
    this.dir = dir;
  }

  /** The test's bucket, made at its first use. */
  S3Settings bucket() {
    if (bucket == null) {
      bucket = CephS3.freshBucket();
    }
    return bucket;
  }

  /** Starts a stratad on data root {@code name} of the bucket, with {@code more} options. */
  StratadProcess launch(String name, String... more) throws Exception {
    StratadProcess p =
        StratadProcess.launch(
            dir.resolve("logs"), FleetNode.args(dir.resolve(name), bucket(), more));
    nodes.add(p);
    return p;
  }

  /** {@link #launch}, then waits until it serves. */
  StratadProcess start(String name, String... more) throws Exception {
    StratadProcess p = launch(name, more);
    assertThat(p.awaitReady()).as("stratad %s started: %s", name, p.stderr()).isTrue();
    return p;
  }

  /** The {@code i}th stratad launched. */
  StratadProcess node(int i) {
    return nodes.get(i);
  }

  @Override
  public void close() {
    nodes.forEach(StratadProcess::close);
    nodes.clear();
  }
}
