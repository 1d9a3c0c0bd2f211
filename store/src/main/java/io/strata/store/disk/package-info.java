/**
 * How the store writes its files so that a crash or a full disk loses nothing: one helper for each
 * durable-file idiom ({@link io.strata.store.disk.AtomicFiles}), the recognition of a full disk
 * ({@link io.strata.store.disk.DiskFull}) and the space kept back so that GC can always run ({@link
 * io.strata.store.disk.SpaceReserve}).
 */
package io.strata.store.disk;
