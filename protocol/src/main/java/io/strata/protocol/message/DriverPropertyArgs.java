package io.strata.protocol.message;

/**
 * Arguments of {@code driver.property}: {@code zfs get/set/inherit} on a dataset, or the {@code
 * btrfs subvolume show} / {@code zfs get all} of one snapshot.
 *
 * @param op {@code get}, {@code set}, {@code inherit} or {@code show}
 * @param property the property ({@code recordsize}, {@code compression}, {@code dedup}, or {@code
 *     all} for every one); null for {@code show}
 * @param value the new value, for {@code set}
 * @param name the dataset ({@code strata}, {@code strata/<id>}) or snapshot key; null: the pool
 */
public record DriverPropertyArgs(String op, String property, String value, String name) {}
