package io.strata.store.image.archive;

/** The archive formats {@code strata image export} writes. */
public enum ExportFormat {
  /** An OCI image layout (directory, or the same as a tar). */
  OCI,
  /** A {@code docker save} archive that {@code docker load} reads. */
  DOCKER_ARCHIVE
}
