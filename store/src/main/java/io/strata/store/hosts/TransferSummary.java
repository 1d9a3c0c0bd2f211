package io.strata.store.hosts;

import io.strata.store.digest.Digest;
import io.strata.store.transfer.TransferPlan;
import java.util.Map;

/**
 * What a push or pull did.
 *
 * @param id the image's id
 * @param tag its name on the receiving host, or null
 * @param chunksSent chunk records that crossed
 * @param chunksTotal distinct chunks of the image
 * @param bytesSent the crossing chunks' bytes before compression
 * @param bytesTotal the image's distinct chunks' bytes before compression
 * @param wireBytes plan, chunk lists and records as they crossed
 */
public record TransferSummary(
    String id,
    String tag,
    long chunksSent,
    long chunksTotal,
    long bytesSent,
    long bytesTotal,
    long wireBytes) {

  /** The summary of a transfer of image {@code id} by {@code plan}. */
  static TransferSummary of(
      String id, TransferPlan plan, long chunksSent, long bytesSent, long wireBytes) {
    Map<Digest, Integer> all = plan.chunks();
    return new TransferSummary(
        id,
        plan.name().isEmpty() ? null : plan.name(),
        chunksSent,
        all.size(),
        bytesSent,
        TransferHost.bytes(all),
        wireBytes);
  }
}
