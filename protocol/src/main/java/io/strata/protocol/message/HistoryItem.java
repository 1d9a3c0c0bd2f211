package io.strata.protocol.message;

/**
 * One line of {@code image.history}: a layer, top first.
 *
 * @param layerId the layer's diff_id
 * @param size bytes of the layer's uncompressed tar
 * @param createdBy the instruction that made it ("" when unknown)
 */
public record HistoryItem(String layerId, long size, String createdBy) {}
