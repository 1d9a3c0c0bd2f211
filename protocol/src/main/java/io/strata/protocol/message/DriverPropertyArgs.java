package io.strata.protocol.message;

/**
 * Arguments of {@code driver.property}: {@code zfs get/set/inherit} on a dataset, or the {@code
 * btrfs subvolume show} / {@code zfs get all} of one snapshot.
 *
 * @param op {@code get}, {@code set}, {@code inherit} or {@code show}
 * @param property a property ({@code recordsize}, {@code compression}, {@code dedup}, ..., or
 *     {@code all} for every one), or for zfs's {@code get} a comma list of them, read from one
 *     state (servers before session 27 take one); null for {@code show}
 * @param value the new value, for {@code set}; for {@code get}, {@code parsable} is {@code zfs get
 *     -p} (every size in bytes)
 * @param name the dataset ({@code strata}, {@code strata/<id>}), a zfs snapshot ({@code
 *     strata/<id>@<n>}, for {@code get} and {@code show}) or a snapshot key; null: the pool
 */
public record DriverPropertyArgs(String op, String property, String value, String name) {}
