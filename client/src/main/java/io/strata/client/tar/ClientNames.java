package io.strata.client.tar;

import io.strata.files.names.HostNames;
import java.io.IOException;

/**
 * The names of this host's files the client sends and makes: the checks are {@link
 * io.strata.files.names} (the server's store makes the same), refusing in this client's words.
 * Strata keeps file names as UTF-8, so a name read from a directory that is not valid UTF-8 is
 * refused, naming it, rather than sent with U+FFFD in place of its bad bytes (two such names became
 * one file, the other lost); under a charset other than UTF-8 only ASCII names can be read or made
 * as they are.
 */
final class ClientNames {
  private ClientNames() {}

  private static final String NOT_HERE =
      "is not ASCII, and this client reads and makes file names in "
          + HostNames.CHARSET
          + ", not UTF-8 (run it with a UTF-8 locale, e.g. LC_ALL=C.UTF-8, as bin/strata does)";

  /** This host's names, as this client reads and makes them. */
  static final HostNames HOST = new HostNames(NOT_HERE, NOT_HERE);

  /**
   * Refuses {@code name} (a path the server sent) if this client cannot make a file of it as it is:
   * one that is not ASCII under a charset other than UTF-8 would get other bytes. {@code subject}
   * starts the message ({@code tar x: entry a/é: the name}).
   */
  static void checkMakeable(String name, String subject) throws IOException {
    String why = HOST.makeProblem(name);
    if (why != null) {
      throw new IOException(subject + " " + why);
    }
  }
}
