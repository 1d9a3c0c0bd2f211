package io.strata.protocol;

import java.io.IOException;
import java.io.InputStream;
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

  /**
   * The token in {@code file}; refuses a missing, empty, oversized or unreadable file (a directory)
   * naming it. At most the limit and a little more is read, whatever the file claims as its size: a
   * device or pipe ({@code /dev/zero}) has none, and reading it whole never ends.
   */
  public static byte[] read(Path file) throws IOException {
    int limit = Wire.MAX_TOKEN + 64;
    byte[] raw;
    if (Files.isDirectory(file)) {
      throw new IOException("token file " + file + " is a directory");
    }
    try (InputStream in = Files.newInputStream(file)) {
      raw = in.readNBytes(limit + 1);
    } catch (NoSuchFileException e) {
      throw new IOException("token file " + file + " does not exist", e);
    } catch (IOException e) {
      throw new IOException("token file " + file + ": " + e.getMessage(), e);
    }
    if (raw.length > limit) {
      throw new IOException(
          "token file " + file + ": larger than the " + Wire.MAX_TOKEN + "-byte maximum");
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
