/**
 * Runs of the storage drivers ({@code btrfs}, {@code zfs}) on the embedded engine: the time to
 * snapshot a small and a large committed tree, how many bytes small random writes into a large file
 * of a container cost the store, and how container create and commit, through the container and
 * image stores, scale with the size of the image and of the change. overlay2's whole-file copy-up
 * is the reference the write figures are set against.
 */
package io.strata.perf.driver;
