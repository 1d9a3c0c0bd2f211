package io.strata.store.image.archive;

import io.strata.store.digest.Digest;
import io.strata.store.gzip.GzipRecipe;
import java.io.IOException;
import java.io.InputStream;

/**
 * Blobs by digest, as a registry holds them: what {@code ImageStore.importManifest} reads as an OCI
 * layout.
 */
public interface BlobFiles {
  /** Whether blob {@code digest} is there. */
  boolean has(Digest digest);

  /** The bytes of blob {@code digest}. */
  InputStream open(Digest digest) throws IOException;

  /**
   * The uncompressed contents of blob {@code digest} when it is a gzip blob kept as a recipe whose
   * digest was verified when it was stored, else null: an import reads them instead of regenerating
   * the gzip only to decompress it again.
   */
  default InputStream openUncompressed(Digest digest) {
    return null;
  }

  /** The recipe that regenerates gzip blob {@code digest}, when known. */
  default GzipRecipe gzipRecipe(Digest digest) {
    return null;
  }

  /**
   * The length of blob {@code digest} when a Strata blob ({@code strata blob}) holds it whole, else
   * -1.
   */
  default long storedWhole(Digest digest) {
    return -1;
  }
}
