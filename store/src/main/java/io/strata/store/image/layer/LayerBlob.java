package io.strata.store.image.layer;

/**
 * How one layer blob of an imported image arrived, so that an export gives it back byte for byte
 * (its digest, hence the manifest's and every pinned reference's, unchanged) without storing it:
 *
 * <ul>
 *   <li>{@code tar}: the blob is the layer's uncompressed tar, regenerated from its tar-split;
 *   <li>{@code gzip}: that tar compressed again with {@code gzip}, a recipe (base64 of {@link
 *       io.strata.store.gzip.GzipRecipe}) found to reproduce it when it was imported;
 *   <li>{@code zstd}: that tar compressed again by Strata's zstd with a {@link ZstdRecipe} (text in
 *       {@code zstd}) found to reproduce it when it was imported;
 *   <li>{@code blob}: a Strata blob of that digest holds it whole (a registry's, or one an import
 *       kept because no recipe reproduced it).
 * </ul>
 *
 * @param digest the blob's digest, as the manifest names it
 * @param mediaType its media type in the manifest
 * @param size its length
 * @param form {@code tar}, {@code gzip} or {@code blob}
 * @param gzip the recipe, for {@code gzip}
 * @param zstd the recipe, for {@code zstd}
 */
public record LayerBlob(
    String digest, String mediaType, long size, String form, String gzip, String zstd) {
  public static final String TAR = "tar";
  public static final String GZIP = "gzip";
  public static final String ZSTD = "zstd";
  public static final String BLOB = "blob";

  /** A blob of any form but {@code zstd}. */
  public LayerBlob(String digest, String mediaType, long size, String form, String gzip) {
    this(digest, mediaType, size, form, gzip, null);
  }
}
