/**
 * A deflate compressor whose output is byte for byte that of klauspost/compress 1.15's {@code
 * flate} (Debian's 1.15.12, the version skopeo, podman and buildah are built with), and the gzip
 * writers built on it: klauspost's {@code gzip} and klauspost/pgzip 1.2.5, which containers/image
 * (1 MiB blocks) and umoci (256 KiB blocks) compress layers with. Its match finders (levels 1..6
 * are snappy-like hash tables of their own, 7..9 a lazy matcher with its own heuristics) and its
 * block writer (which reuses the previous block's Huffman tables when that is estimated smaller)
 * share nothing with Go's standard library but the RFC 1951 tables ({@link
 * io.strata.store.deflate.DeflateTables}).
 */
package io.strata.store.deflate.klauspost;
