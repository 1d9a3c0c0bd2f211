/**
 * Tars on the client's side of a transfer: {@link io.strata.client.tar.TreeTar} turns a local
 * directory (or, for {@code cp}, a file or directory under a name of its own) into the tar stream
 * an import, a build context or a copy sends; {@link io.strata.client.tar.TarUnpacker} unpacks an
 * exported OCI layout, and {@link io.strata.client.tar.TreeUnpacker} a copied file tree with its
 * links and modes, into a local directory without letting any entry land outside it.
 */
package io.strata.client.tar;
