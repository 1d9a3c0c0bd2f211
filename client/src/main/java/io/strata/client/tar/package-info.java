/**
 * Tars on the client's side of a transfer: {@link io.strata.client.tar.TreeTar} turns a local
 * directory into the tar stream an import or a build context sends, and {@link
 * io.strata.client.tar.TarUnpacker} unpacks an exported OCI layout into a local directory without
 * letting any entry land outside it.
 */
package io.strata.client.tar;
