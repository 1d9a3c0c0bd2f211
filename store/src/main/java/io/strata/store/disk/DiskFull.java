package io.strata.store.disk;

import java.io.IOException;

/**
 * Recognises a full disk. The JDK reports ENOSPC and EDQUOT as plain {@link IOException}s whose
 * message is the C library's text, so the text is all there is to go by.
 */
public final class DiskFull {
  private DiskFull() {}

  /** Whether {@code e}, or any exception it was caused by, says the disk or a quota is full. */
  public static boolean causedBy(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof IOException) {
        String m = String.valueOf(t.getMessage());
        if (m.contains("No space left on device") || m.contains("Disk quota exceeded")) {
          return true;
        }
      }
      if (t.getCause() == t) {
        break;
      }
    }
    return false;
  }
}
