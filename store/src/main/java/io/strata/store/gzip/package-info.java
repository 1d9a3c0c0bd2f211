/**
 * Gzip recipes: a gzip blob kept as its uncompressed contents plus what regenerates its exact bytes
 * (the compressor, its level, the header as it was). Finding the recipe of an arriving blob, and
 * regenerating a blob from its recipe with its digest verified.
 */
package io.strata.store.gzip;
