package io.strata.store.fs;

import java.util.Arrays;
import java.util.function.LongSupplier;

/**
 * The clock of a file system whose changes go to an {@link IntentLog}: the times a change reads
 * (its ctime, mtime, a new inode's times) are recorded with the change, and given back in the same
 * order when the change is replayed, so that the replayed tree is the one the fsync acknowledged,
 * times included. Only the thread that makes the change (it holds the write lock) records or
 * replays; reads on other threads (access times) see the real clock.
 */
final class LoggedClock implements LongSupplier {
  private final LongSupplier real;
  private volatile Thread owner;
  private long[] readings = new long[8];
  private int count;
  private long[] replay;
  private int next;

  LoggedClock(LongSupplier real) {
    this.real = real;
  }

  @Override
  public long getAsLong() {
    if (Thread.currentThread() != owner) {
      return real.getAsLong();
    }
    if (replay != null) {
      // a replayed change reads the clock as often as it did: past that (never expected) the
      // real clock answers rather than a made-up time
      return next < replay.length ? replay[next++] : real.getAsLong();
    }
    long now = real.getAsLong();
    if (count == readings.length) {
      readings = Arrays.copyOf(readings, count * 2);
    }
    readings[count++] = now;
    return now;
  }

  /** Starts recording the readings of the calling thread. */
  void record() {
    count = 0;
    replay = null;
    owner = Thread.currentThread();
  }

  /** Stops recording; returns the readings since {@link #record}. */
  long[] recorded() {
    owner = null;
    return Arrays.copyOf(readings, count);
  }

  /** The calling thread's readings are {@code times}, in order, until {@link #endReplay}. */
  void replay(long[] times) {
    replay = times;
    next = 0;
    owner = Thread.currentThread();
  }

  void endReplay() {
    owner = null;
    replay = null;
  }
}
