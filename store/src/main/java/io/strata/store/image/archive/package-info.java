/**
 * Images in and out of archives: OCI layouts (a directory, a tar, or a registry's blobs read as
 * one) and docker-save archives imported through {@link
 * io.strata.store.image.archive.ArchiveImport}, plain directories and tars of this host told apart
 * from archives ({@link io.strata.store.image.archive.HostImport}), and exports that give an image
 * back as it arrived ({@link io.strata.store.image.archive.ImageExport}). Uses only {@code layer}
 * of the image packages.
 */
package io.strata.store.image.archive;
