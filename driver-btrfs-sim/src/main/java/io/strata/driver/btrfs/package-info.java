/**
 * The Btrfs-like storage driver ({@code btrfs}): snapshots are subvolumes with ids, generations and
 * parent links; file content is a list of byte-range extents over chunks, split on write at 4 KiB
 * granularity; files can be copied by reflink. The snapshot semantics themselves come from {@link
 * io.strata.store.driver.SnapshotSet}.
 */
package io.strata.driver.btrfs;
