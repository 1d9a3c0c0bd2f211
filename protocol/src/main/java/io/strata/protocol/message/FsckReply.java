package io.strata.protocol.message;

import java.util.List;

/**
 * What a client assembles from {@code fsck}; the keys of {@code strata --json fsck}.
 *
 * @param chunksChecked chunks re-read and re-hashed
 * @param damaged every damaged chunk with the objects it affects
 * @param notes what the server mended when it opened, or could not check, one sentence each
 */
public record FsckReply(long chunksChecked, List<DamageItem> damaged, List<String> notes) {
  public FsckReply {
    damaged = List.copyOf(damaged);
    notes = List.copyOf(notes);
  }
}
