package io.strata.store.hosts;

import io.strata.store.digest.Digest;
import io.strata.store.error.InvalidArgumentException;
import io.strata.store.error.RejectedException;
import io.strata.store.transfer.ChunkLists;
import io.strata.store.transfer.ContentCut;
import io.strata.store.transfer.TransferPlan;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.util.Map;

/**
 * Sends an image to another host: a plan made to the other host's cut, offered; then only the
 * chunks it says it lacks, in batches of at most 32 MiB (each spooled under the image lock and sent
 * without it); then the other host makes the image.
 */
public final class ImagePush {
  private final TransferHost host;

  public ImagePush(TransferHost host) {
    this.host = host;
  }

  /**
   * Resolves {@code image} (fetching it from a shared store's catalogue if need be): done before a
   * push starts, so that a missing image is the request's answer rather than a failed transfer.
   */
  public String resolve(String image) throws IOException {
    return host.images().resolveFetching(image);
  }

  /** Pushes {@code image} to {@code peer}, telling {@code progress} how far it is. */
  public TransferSummary run(String image, TransferPeer peer, ProgressListener progress)
      throws IOException {
    String where = peer.name();
    ContentCut cut = RejectedException.ofContent(() -> ContentCut.parse(peer.cut()));
    TransferPlan plan = host.images().transferPlan(image, cut);
    String id = plan.imageId().toString();
    byte[] planBytes = plan.encode();
    String lacks = "the list of chunks " + where + " lacks";
    ByteArrayOutputStream missingBytes = new ByteArrayOutputStream();
    String planId =
        peer.offer(
            planBytes, new CappedOutputStream(missingBytes, TransferHost.MAX_LIST_BYTES, lacks));
    Map<Digest, Integer> all = plan.chunks();
    Map<Digest, Integer> missing =
        RejectedException.ofContent(
            () -> ChunkLists.decode(new ByteArrayInputStream(missingBytes.toByteArray()), lacks));
    if (!all.keySet().containsAll(missing.keySet())) {
      throw new InvalidArgumentException(where + " asked for chunks the image does not have");
    }
    progress.start(TransferHost.bytes(missing));
    long wire = planBytes.length + missingBytes.size();
    long chunksSent = 0;
    long bytesSent = 0;
    for (Map<Digest, Integer> batch : TransferHost.batches(missing)) {
      try (SpooledRecords records = host.spoolRecords(id, cut, batch)) {
        RecordCounts took = afterRelease(peer, planBytes, () -> peer.put(planId, records));
        wire += took.bytes();
        chunksSent += took.chunks();
        bytesSent += took.rawBytes();
        progress.sent(took.rawBytes());
      }
    }
    afterRelease(
        peer,
        planBytes,
        () -> {
          peer.apply(planId);
          return null;
        });
    return TransferSummary.of(id, plan, chunksSent, bytesSent, wire);
  }

  /** A request to the other host about an offered plan. */
  @FunctionalInterface
  private interface PlanCall<T> {
    T call() throws IOException;
  }

  /**
   * Runs {@code call}; if the other host no longer knows the plan because another push of the same
   * image finished first and released it, offers the plan again (it then lacks nothing this push
   * has sent) and runs {@code call} once more.
   */
  private static <T> T afterRelease(TransferPeer peer, byte[] plan, PlanCall<T> call)
      throws IOException {
    try {
      return call.call();
    } catch (PlanNotOfferedException e) {
      peer.offer(plan, OutputStream.nullOutputStream());
      return call.call();
    }
  }
}
