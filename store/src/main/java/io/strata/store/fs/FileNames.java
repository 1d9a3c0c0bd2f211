package io.strata.store.fs;

import io.strata.files.names.HostNames;

/**
 * Strata keeps file names as UTF-8 ({@link FsKeys} and {@link Inode} store them so): a name that
 * arrives as bytes, a tar header's name or link target or a name read from a directory of this
 * host, is taken only if its bytes are valid UTF-8, and is refused otherwise. The checks are {@link
 * io.strata.files.names} (shared with the client); this holds the server's words for a name it
 * cannot take under a charset other than UTF-8.
 */
public final class FileNames {
  private FileNames() {}

  /** The names of this server's host: {@code bin/stratad} starts it with a UTF-8 locale. */
  public static final HostNames HOST =
      new HostNames(
          "is not ASCII, and this server reads file names as "
              + HostNames.CHARSET
              + ", not UTF-8 (start it with a UTF-8 locale, e.g. LC_ALL=C.UTF-8, as bin/stratad"
              + " does)",
          "is not ASCII, and this server names files in "
              + HostNames.CHARSET
              + ", not UTF-8 (start it with a UTF-8 locale, e.g. LC_ALL=C.UTF-8, as bin/stratad"
              + " does)");
}
