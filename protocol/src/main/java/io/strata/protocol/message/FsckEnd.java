package io.strata.protocol.message;

/**
 * The RESPONSE that ends {@code fsck}, after the damaged chunks were sent as JSON lines.
 *
 * @param chunksChecked chunks re-read and re-hashed
 * @param damaged how many lines of damage were sent
 */
public record FsckEnd(long chunksChecked, long damaged) {}
