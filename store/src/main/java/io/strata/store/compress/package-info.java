/** Per-chunk compression: zstd, lz4 or none, chosen per store and recorded per chunk. */
package io.strata.store.compress;
