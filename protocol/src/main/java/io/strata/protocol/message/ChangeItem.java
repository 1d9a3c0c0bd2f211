package io.strata.protocol.message;

/**
 * One line of {@code container.diff}, as {@code docker diff} prints it.
 *
 * @param kind {@code A} added, {@code C} changed, {@code D} deleted
 * @param path the absolute path inside the container
 */
public record ChangeItem(String kind, String path) {}
