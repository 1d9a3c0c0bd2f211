/**
 * A deflate and gzip compressor whose output is byte for byte that of Go's {@code compress/flate}
 * and {@code compress/gzip} at every level: the compressor docker, containerd and most image tools
 * write layers with. Being able to produce the same bytes is what lets a compressed layer blob be
 * kept as its uncompressed contents plus a recipe, and regenerated exactly. klauspost's compressor
 * (skopeo, podman, buildah) is another algorithm: {@link io.strata.store.deflate.klauspost}.
 */
package io.strata.store.deflate;
