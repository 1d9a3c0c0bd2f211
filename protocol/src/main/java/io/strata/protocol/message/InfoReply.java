package io.strata.protocol.message;

/**
 * The answer to {@code info}; the keys of {@code strata --json info}.
 *
 * @param version the server's version
 * @param commit the commit the server was built from ({@link io.strata.protocol.BuildInfo}); absent
 *     from servers before session 27
 * @param committed that commit's time (ISO 8601, UTC); absent likewise
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
 * @param registryStagedBytes bytes of registry gzip layers pushed and durable as staged files,
 *     waiting for their job to put them in the chunk store (not in the byte counts above); absent
 *     (null) from servers before 2026-12-06, which a newer client still answers (AI2)
 * @param shared the bucket the chunk store shares with other stratads; absent for a local store
 */
public record InfoReply(
    String version,
    String commit,
    String committed,
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
    java.util.List<GzipRecipeCount> gzipRecipes,
    Long registryStagedBytes,
    @com.fasterxml.jackson.annotation.JsonInclude(
            com.fasterxml.jackson.annotation.JsonInclude.Include.NON_NULL)
        Shared shared) {

  /**
   * A store shared through object storage ({@code stratad --store s3://…}).
   *
   * @param location the bucket and prefix
   * @param node this server's id in the fleet (what {@code strata gc --forget-node} takes)
   * @param bucketPacks pack objects in the bucket
   * @param bucketBytes their bytes
   * @param pendingUploads packs sealed on this node and not in the bucket yet
   * @param cacheBytes what the data root holds of the bucket's packs
   * @param cacheBudget what it may hold ({@code --s3-cache-size})
   * @param cacheHits reads served from the data root
   * @param cacheMisses reads that fetched a block from the bucket
   * @param fetchedBytes bytes fetched with ranged GETs since start
   * @param uploadedBytes pack bytes uploaded since start
   */
  public record Shared(
      String location,
      String node,
      long bucketPacks,
      long bucketBytes,
      long pendingUploads,
      long cacheBytes,
      long cacheBudget,
      long cacheHits,
      long cacheMisses,
      long fetchedBytes,
      long uploadedBytes) {}
}
