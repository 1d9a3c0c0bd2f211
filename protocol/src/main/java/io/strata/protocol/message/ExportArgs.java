package io.strata.protocol.message;

/**
 * Arguments of {@code image.export}; the DATA is the image as a tar.
 *
 * @param image the image: {@code name[:tag]}, an id, or a unique id prefix
 * @param format {@code oci} (an OCI image layout) or {@code docker-archive} (a {@code docker save}
 *     archive); null: {@code oci}
 */
public record ExportArgs(String image, String format) {
  /** The OCI image layout format. */
  public static final String OCI = "oci";

  /** The {@code docker save} format. */
  public static final String DOCKER_ARCHIVE = "docker-archive";
}
