package io.strata.protocol.message;

/**
 * Gzip blobs of one compressor family (as their header tells it) since the server started: how many
 * arrived, and how many a recipe reproduced (kept as uncompressed chunks, not whole).
 *
 * @param family e.g. {@code os 255 (Go, klauspost, Java)}, {@code os 3 (Unix gzip, zlib)}
 * @param seen gzip blobs of that family stored
 * @param reproduced of those, the ones kept as a recipe
 */
public record GzipRecipeCount(String family, long seen, long reproduced) {}
