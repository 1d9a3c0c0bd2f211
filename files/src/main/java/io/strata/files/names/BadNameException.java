package io.strata.files.names;

import java.io.IOException;

/**
 * A name of this host (a file name, a symlink's target, an extended attribute's name) that Strata
 * cannot keep as it is: not valid UTF-8, or not readable whole in this JVM's charset. Bad input,
 * not a failure of the disk: the server reports it as an invalid argument, the client as it is. The
 * message is one line that names the file.
 */
public final class BadNameException extends IOException {
  public BadNameException(String message) {
    super(message);
  }
}
