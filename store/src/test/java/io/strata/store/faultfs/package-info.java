/**
 * A fault-injecting, power-cutting {@link java.nio.file.FileSystem} for crash-consistency tests, in
 * the spirit of ALICE and CrashMonkey: it keeps, per file, what its last fsync made durable and,
 * per directory, the entries its last fsync made durable, so that a test can cut the power and see
 * what a missing fsync loses (a SIGKILL keeps the page cache and sees nothing). It also fails
 * chosen calls with ENOSPC or EIO and simulates a full disk. Shared with other modules through the
 * test-jar.
 */
package io.strata.store.faultfs;
