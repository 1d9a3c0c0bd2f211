package io.strata.protocol.message;

/**
 * Arguments of {@code image.export}; the DATA is the image as a tar.
 *
 * @param image the image: {@code name[:tag]}, an id, or a unique id prefix
 * @param format {@code oci} (an OCI image layout) or {@code docker-archive} (a {@code docker save}
 *     archive); null: {@code oci}
 * @param layerCompression how layers Strata made are compressed: {@code gzip}, {@code zstd} or
 *     {@code none}; null: {@code gzip} in an OCI layout, {@code none} in a {@code docker-archive}
 *     (as {@code docker save} writes them). An image that keeps the manifest it arrived with goes
 *     as it arrived, whatever this says
 * @param more further images in the same archive, as {@code docker save IMAGE...} writes them
 *     ({@code docker-archive} only); null or empty: just {@code image}
 */
public record ExportArgs(
    String image,
    String format,
    String layerCompression,
    @com.fasterxml.jackson.annotation.JsonInclude(
            com.fasterxml.jackson.annotation.JsonInclude.Include.NON_EMPTY)
        java.util.List<String> more) {
  /** An export with the default layer compression. */
  public ExportArgs(String image, String format) {
    this(image, format, null, null);
  }

  /** An export of one image. */
  public ExportArgs(String image, String format, String layerCompression) {
    this(image, format, layerCompression, null);
  }

  /** The OCI image layout format. */
  public static final String OCI = "oci";

  /** The {@code docker save} format. */
  public static final String DOCKER_ARCHIVE = "docker-archive";
}
