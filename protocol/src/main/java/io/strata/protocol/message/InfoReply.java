package io.strata.protocol.message;

/**
 * The answer to {@code info}; the keys of {@code strata --json info}.
 *
 * @param version the server's version
 * @param driver the data root's storage driver
 * @param dataRoot the data root on the server's host
 * @param compression the codec of new chunks ({@code zstd:3}, {@code lz4}, {@code none})
 * @param chunks chunks in the index, dead ones included until gc
 * @param logicalBytes bytes users stored, before deduplication
 * @param storedBytes bytes of the pack files
 * @param indexBytes bytes of the chunk index on disk
 * @param indexRamBytes bytes of memory the chunk index holds
 * @param uniqueBytes bytes of the distinct chunks before compression
 * @param compressedBytes bytes of the distinct chunks after compression
 * @param dedupRatio logicalBytes ÷ uniqueBytes
 * @param compressionRatio uniqueBytes ÷ compressedBytes
 * @param gzipRecipes per gzip compressor family, blobs seen and reproduced by a recipe since start
 */
public record InfoReply(
    String version,
    String driver,
    String dataRoot,
    String compression,
    long chunks,
    long logicalBytes,
    long storedBytes,
    long indexBytes,
    long indexRamBytes,
    long uniqueBytes,
    long compressedBytes,
    double dedupRatio,
    double compressionRatio,
    java.util.List<GzipRecipeCount> gzipRecipes) {}
