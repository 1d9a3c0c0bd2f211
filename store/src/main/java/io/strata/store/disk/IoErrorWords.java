package io.strata.store.disk;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * What went wrong in an {@link IOException}, in words a user reads: the JDK's file errors carry the
 * reason only when the OS gave one, so a missing file says just its path ({@code
 * NoSuchFileException} 's message is the path), and a start-up error read "data root /d: /d/LOCK"
 * (adversarial finding S5). These words always say what happened to which file.
 */
public final class IoErrorWords {
  private IoErrorWords() {}

  /** {@code e}'s file and what happened to it; its message when it names no file. */
  public static String of(IOException e) {
    if (e instanceof FileSystemException f && f.getFile() != null) {
      String file = f.getFile();
      if (e instanceof NoSuchFileException) {
        return file + ": " + missing(file);
      }
      if (e instanceof FileAlreadyExistsException && f.getReason() == null) {
        // what createDirectories says of a file, or of a symlink that leads nowhere
        String dangling = dangling(file);
        return file + ": " + (dangling != null ? dangling : "exists and is not a directory");
      }
      if (e instanceof AccessDeniedException && f.getReason() == null) {
        return file + ": permission denied";
      }
      if (f.getReason() == null) {
        return file + ": " + e.getClass().getSimpleName();
      }
    }
    return e.getMessage() != null ? e.getMessage() : e.toString();
  }

  /** Why {@code file} is missing: it is not there, or it is a symlink whose target is not. */
  private static String missing(String file) {
    String dangling = dangling(file);
    return dangling != null ? dangling : "no such file or directory";
  }

  /** "a symlink to T, which does not exist" when {@code file} is one; else null. */
  private static String dangling(String file) {
    try {
      Path p = Path.of(file);
      if (Files.isSymbolicLink(p) && !Files.exists(p)) {
        return "a symlink to " + Files.readSymbolicLink(p) + ", which does not exist";
      }
    } catch (IOException | RuntimeException e) {
      // the plain words say enough
    }
    return null;
  }
}
