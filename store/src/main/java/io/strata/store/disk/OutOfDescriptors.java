package io.strata.store.disk;

import java.io.IOException;

/**
 * Recognises a process (EMFILE) or a system (ENFILE) out of file descriptors. Like a full disk, the
 * JDK reports it as a plain {@link IOException} with the C library's text. It passes: a request
 * that met it failed, and the same request succeeds once descriptors are free again, so nothing of
 * the store may take it as a file that is gone.
 */
public final class OutOfDescriptors {
  /** The words for both errors, in a sentence that reaches a user. */
  public static final String TOO_MANY_OPEN_FILES = "too many open files";

  private OutOfDescriptors() {}

  /** Whether {@code e}, or any exception it was caused by, says descriptors ran out. */
  public static boolean causedBy(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      // "Too many open files", and "Too many open files in system" for ENFILE
      if (t instanceof IOException
          && String.valueOf(t.getMessage()).contains("Too many open files")) {
        return true;
      }
      if (t.getCause() == t) {
        break;
      }
    }
    return false;
  }
}
