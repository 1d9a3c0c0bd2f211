package io.strata.protocol.message;

/**
 * The answer of {@code container.create}.
 *
 * @param id the new container's id, 64 hex digits
 * @param name its name (generated when none was given)
 */
public record CreateReply(String id, String name) {}
