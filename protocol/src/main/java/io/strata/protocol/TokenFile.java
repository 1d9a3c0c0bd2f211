package io.strata.protocol;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * A shared secret as kept in a {@code --token-file}: the file's bytes without trailing whitespace,
 * so that {@code echo secret > FILE} and an editor's final newline both work.
 */
public final class TokenFile {
  private TokenFile() {}

  /** The token in {@code file}; refuses a missing, empty or oversized file naming it. */
  public static byte[] read(Path file) throws IOException {
    byte[] raw;
    try {
      if (Files.size(file) > Wire.MAX_TOKEN + 64) {
        throw new IOException(
            "token file " + file + ": larger than the " + Wire.MAX_TOKEN + "-byte maximum");
      }
      raw = Files.readAllBytes(file);
    } catch (NoSuchFileException e) {
      throw new IOException("token file " + file + " does not exist", e);
    }
    int end = raw.length;
    while (end > 0 && Character.isWhitespace(raw[end - 1])) {
      end--;
    }
    if (end == 0) {
      throw new IOException("token file " + file + " is empty");
    }
    if (end > Wire.MAX_TOKEN) {
      throw new IOException(
          "token file " + file + ": token of " + end + " bytes exceeds " + Wire.MAX_TOKEN);
    }
    return Arrays.copyOf(raw, end);
  }
}
