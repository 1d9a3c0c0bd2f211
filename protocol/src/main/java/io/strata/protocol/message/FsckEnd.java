package io.strata.protocol.message;

import java.util.List;

/**
 * The RESPONSE that ends {@code fsck}, after the damaged chunks were sent as JSON lines.
 *
 * @param chunksChecked chunks re-read and re-hashed
 * @param damaged how many lines of damage were sent
 * @param notes what the server mended when it opened the data root (a root-log record taken from
 *     its other copy, naming the file and the offset) and what it could not check, one sentence
 *     each; not damage. Absent from servers that predate it: none
 */
public record FsckEnd(long chunksChecked, long damaged, List<String> notes) {
  public FsckEnd {
    notes = notes == null ? List.of() : List.copyOf(notes);
  }
}
