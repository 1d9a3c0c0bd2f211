package io.strata.store.driver;

/**
 * One {@code PROPERTY=VALUE} of {@code zfs set}, or a {@code zfs inherit} of the property.
 *
 * @param property the property's name as the user gave it
 * @param value the new value; null: inherit (clear the local value)
 */
public record PropertyAssignment(String property, String value) {}
