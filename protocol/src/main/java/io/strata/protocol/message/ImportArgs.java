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
 */
public record ImportArgs(String tag, String select, String name) {}
