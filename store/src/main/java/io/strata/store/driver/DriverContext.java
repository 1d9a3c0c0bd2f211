package io.strata.store.driver;

import io.strata.store.engine.ChunkAccess;
import io.strata.store.tree.NodeCache;
import java.nio.file.Path;
import java.util.function.LongSupplier;

/**
 * What a driver gets from the engine.
 *
 * @param chunks the chunk store: the only way a driver stores or reads bytes
 * @param metadataDir the driver's own directory ({@code DATA/btrfs} or {@code DATA/zfs})
 * @param nodeCache decoded tree nodes, shared by every snapshot
 * @param clock nanoseconds since the epoch, injectable for tests
 */
public record DriverContext(
    ChunkAccess chunks, Path metadataDir, NodeCache nodeCache, LongSupplier clock) {}
