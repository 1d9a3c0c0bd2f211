/**
 * Container images: image records, tags and references, and {@link
 * io.strata.store.image.ImageStore}, the entry point, which composes the three parts below and
 * holds the lock that serialises changes. Layers (driver snapshots keyed by chain id, with their
 * tar-split) are in {@link io.strata.store.image.layer}, import and export of OCI layouts and
 * docker-save archives in {@link io.strata.store.image.archive}, builds from a Dockerfile subset in
 * {@link io.strata.store.image.build}; those parts use only {@code layer}, never this package.
 */
package io.strata.store.image;
