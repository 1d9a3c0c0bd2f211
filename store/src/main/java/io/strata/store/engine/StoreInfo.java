package io.strata.store.engine;

import java.nio.file.Path;

/**
 * The figures of {@code strata info}.
 *
 * @param version the server's version
 * @param driver the storage driver the data root was created with
 * @param dataRoot the data root
 * @param compression the codec new chunks are written with
 * @param chunks chunks in the index (dead ones included until gc)
 * @param logicalBytes bytes users stored under live roots, before deduplication
 * @param storedBytes bytes of the pack files: compressed chunks with their framing
 * @param indexBytes bytes of the index checkpoint on disk
 * @param indexRamBytes bytes of heap the chunk index holds
 * @param uniqueBytes bytes of the distinct chunks before compression
 * @param compressedBytes bytes of the distinct chunks after compression
 * @param registryStagedBytes bytes of registry layers pushed and durable as staged files, waiting
 *     for their job to put them in the chunk store (not counted in the figures above)
 * @param shared the bucket shared with other stratads and this node's cache of it, or null
 */
public record StoreInfo(
    String version,
    String driver,
    Path dataRoot,
    String compression,
    long chunks,
    long logicalBytes,
    long storedBytes,
    long indexBytes,
    long indexRamBytes,
    long uniqueBytes,
    long compressedBytes,
    long registryStagedBytes,
    io.strata.store.remote.SharedStore.Stats shared) {

  /** logicalBytes ÷ uniqueBytes; 1 for an empty store. */
  public double dedupRatio() {
    return uniqueBytes == 0 ? 1.0 : (double) logicalBytes / uniqueBytes;
  }

  /** uniqueBytes ÷ compressedBytes; 1 for an empty store. */
  public double compressionRatio() {
    return compressedBytes == 0 ? 1.0 : (double) uniqueBytes / compressedBytes;
  }
}
