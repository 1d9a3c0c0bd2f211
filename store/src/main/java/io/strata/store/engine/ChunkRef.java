package io.strata.store.engine;

/**
 * One chunk as an object references it.
 *
 * @param id the chunk's id
 * @param length its uncompressed length
 * @param isNew whether this write stored it (false: deduplicated)
 * @param storedBytes pack bytes it took when new; 0 otherwise
 */
record ChunkRef(int id, int length, boolean isNew, int storedBytes) {}
