package io.strata.store.image;

/**
 * One layer of {@code strata image history}, top first as Docker prints it.
 *
 * @param layerId the layer's diff_id
 * @param size bytes of the layer's uncompressed tar
 * @param createdBy the instruction that made it, from the config's history ("" if unknown)
 */
public record HistoryEntry(String layerId, long size, String createdBy) {}
