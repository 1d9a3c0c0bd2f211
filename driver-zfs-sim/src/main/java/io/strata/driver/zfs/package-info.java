/**
 * A ZFS-like storage driver ({@code zfs}): a pool {@code strata} of datasets, read-only snapshots,
 * clones that keep their origin alive, {@code promote}, per-dataset properties ({@code recordsize},
 * {@code compression}, {@code dedup}) and files kept as arrays of whole records, each record one
 * chunk of the store, deduplicated through the chunk index as ZFS deduplicates through its DDT. See
 * docs/drivers/zfs.md for the model and where it differs from OpenZFS.
 */
package io.strata.driver.zfs;
