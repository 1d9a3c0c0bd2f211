package io.strata.protocol.message;

/**
 * Arguments of {@code fs.read}; the DATA is the file's bytes.
 *
 * @param container the container: its id, a unique id prefix, or its name
 * @param path an absolute path of a regular file inside it
 * @param offset the first byte to send; null: 0
 * @param length bytes to send at most; null: to the end
 */
public record ReadArgs(String container, String path, Long offset, Long length) {
  public ReadArgs {
    offset = offset == null ? 0L : offset;
  }
}
