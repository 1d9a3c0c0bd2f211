package io.strata.store.disk;

import java.io.IOException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Recognises a read-only file system (EROFS: a data root remounted read-only under the server, as
 * the kernel does after an I/O error). The JDK reports it as a {@link FileSystemException} whose
 * reason, or a plain {@link IOException} whose message, is the C library's text.
 */
public final class ReadOnlyDisk {
  private static final String EROFS = "Read-only file system";

  private ReadOnlyDisk() {}

  /** Whether {@code e}, or any exception it was caused by, says the file system is read-only. */
  public static boolean causedBy(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof FileSystemException f && EROFS.equals(f.getReason())) {
        return true;
      }
      if (t instanceof IOException && String.valueOf(t.getMessage()).contains(EROFS)) {
        return true;
      }
      if (t.getCause() == t) {
        break;
      }
    }
    return false;
  }

  /**
   * Whether the file system of {@code dir} is mounted read-only now (false when that cannot be
   * told: the error's own words are kept then).
   */
  public static boolean isReadOnly(Path dir) {
    try {
      if (Files.getFileStore(dir).isReadOnly()) {
        return true;
      }
      // ext4 after an error (errors=remount-ro) refuses writes while its mount still says rw
      Files.delete(Files.createTempFile(dir, ".read-only-probe", null));
      return false;
    } catch (IOException e) {
      return causedBy(e);
    } catch (RuntimeException e) {
      return false;
    }
  }

  /**
   * The one sentence for a write that met the read-only data root {@code dataRoot}, the OS's words
   * ({@code os}, which name the file) after it.
   */
  public static String sentence(Path dataRoot, String os) {
    return "data root " + dataRoot + " is read-only (" + os + "); remount it read-write";
  }
}
