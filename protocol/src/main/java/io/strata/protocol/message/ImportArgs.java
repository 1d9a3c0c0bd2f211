package io.strata.protocol.message;

/**
 * Arguments of {@code image.import}; the DATA is the archive: a {@code docker save} archive, an OCI
 * layout as a tar, or a plain tar of a file tree (plain, gzip or zstd).
 *
 * @param tag {@code name[:tag]} to give the image (null: only the archive's own tags)
 * @param select for an OCI layout, the {@code org.opencontainers.image.ref.name} of the manifest to
 *     import (null: every manifest)
 * @param name how messages name the archive: the client's file or directory name (null: a generic
 *     name)
 * @param plain the sender vouches that the DATA is a plain tar of one file tree (it holds no
 *     top-level {@code manifest.json} or {@code index.json}): the server then imports it as one
 *     layer while it arrives, instead of spooling it whole to tell an archive from a layer
 * @param pulledAs for an image a registry pull fetched, {@code registry/repository@sha256:...} of
 *     what the pull's reference named (a multi-platform image's index, or the manifest): kept as
 *     the image's {@code RepoDigests} entry for that repository (null: none)
 * @param leftOut layer blob digests the pull left out of the OCI layout because {@code image.held}
 *     said the server holds them (null or empty: none); the server takes them from its store
 */
public record ImportArgs(
    String tag,
    String select,
    String name,
    boolean plain,
    String pulledAs,
    java.util.List<String> leftOut) {
  /** Arguments for an upload the server tells apart by content. */
  public ImportArgs(String tag, String select, String name) {
    this(tag, select, name, false, null, null);
  }

  /** Arguments of an import that no registry pull fetched. */
  public ImportArgs(String tag, String select, String name, boolean plain) {
    this(tag, select, name, plain, null, null);
  }

  /** Arguments of an import a registry pull fetched whole. */
  public ImportArgs(String tag, String select, String name, boolean plain, String pulledAs) {
    this(tag, select, name, plain, pulledAs, null);
  }
}
