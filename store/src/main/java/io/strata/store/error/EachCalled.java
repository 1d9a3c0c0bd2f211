package io.strata.store.error;

import java.io.IOException;

/**
 * Runs a call on every one of a set of things, each of which holds its own state (mounts, host
 * files, file systems), so that a failure on one does not leave the others undone: the first
 * failure is thrown after all were called, the later ones suppressed in it.
 */
public final class EachCalled {
  /** A call on one thing. */
  @FunctionalInterface
  public interface Call<T> {
    void on(T t) throws IOException;
  }

  private EachCalled() {}

  /** Calls {@code call} on each of {@code all}; throws the first failure after the last call. */
  public static <T> void on(Iterable<? extends T> all, Call<? super T> call) throws IOException {
    IOException failed = null;
    for (T t : all) {
      try {
        call.on(t);
      } catch (IOException e) {
        if (failed == null) {
          failed = e;
        } else {
          failed.addSuppressed(e);
        }
      }
    }
    if (failed != null) {
      throw failed;
    }
  }
}
