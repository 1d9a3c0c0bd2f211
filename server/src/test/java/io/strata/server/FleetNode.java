package io.strata.server;

import io.strata.s3.CephS3;
import io.strata.s3.S3Settings;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The options of a stratad that is one node of a fleet on the tests' Ceph bucket. */
final class FleetNode {
  private FleetNode() {}

  /**
   * {@code stratad} options for data root {@code data} on bucket {@code s3} (a 128 MiB pack cache),
   * then {@code more}.
   */
  static String[] args(Path data, S3Settings s3, String... more) {
    List<String> args =
        new ArrayList<>(
            List.of(
                "--data",
                data.toString(),
                "--store",
                s3.location(),
                "--s3-endpoint",
                CephS3.ENDPOINT.toString(),
                "--s3-credentials-file",
                CephS3.credentials().toString(),
                "--s3-path-style",
                "--s3-cache-size",
                "128M"));
    args.addAll(List.of(more));
    return args.toArray(String[]::new);
  }
}
