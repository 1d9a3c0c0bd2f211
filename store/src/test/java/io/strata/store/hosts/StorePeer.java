package io.strata.store.hosts;

import io.strata.store.digest.Digest;
import io.strata.store.error.NotFoundException;
import io.strata.store.transfer.ChunkLists;
import io.strata.store.transfer.ContentCut;
import io.strata.store.transfer.TransferPlan;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.util.Map;

/**
 * The other host as a second real store in this process: every call goes to its {@link
 * TransferEndpoint}, through the same encoded plans, chunk lists and chunk records a server would
 * send. A test can make it break off the records of a batch after some bytes, or forget an offered
 * plan before the next put, as another push finishing first would.
 */
class StorePeer implements TransferPeer {
  private final TransferEndpoint endpoint;
  private final TransferHost host;
  private long breakAfter = -1;
  private boolean forgetBeforePut;
  int offers;

  StorePeer(TransferHost host) throws IOException {
    this.host = host;
    this.endpoint = new TransferEndpoint(host);
  }

  /** The next batch of records breaks off after {@code bytes}. */
  void breakNextBatchAfter(long bytes) {
    breakAfter = bytes;
  }

  /** The next put finds its plan released. */
  void forgetPlanBeforeNextPut() {
    forgetBeforePut = true;
  }

  @Override
  public String name() {
    return "host b";
  }

  @Override
  public String cut() {
    return endpoint.cut().text();
  }

  @Override
  public long plan(String image, ContentCut cut, OutputStream out) throws IOException {
    byte[] plan = endpoint.plan(image, cut);
    out.write(plan);
    return plan.length;
  }

  @Override
  public long chunks(String imageId, ContentCut cut, byte[] list, OutputStream records)
      throws IOException {
    Map<Digest, Integer> wanted = ChunkLists.decode(new ByteArrayInputStream(list), "the list");
    try (SpooledRecords r = endpoint.records(imageId, cut, wanted)) {
      ByteArrayOutputStream all = new ByteArrayOutputStream();
      r.copyTo(all);
      byte[] b = all.toByteArray();
      if (breakAfter >= 0) {
        records.write(b, 0, (int) Math.min(breakAfter, b.length));
        breakAfter = -1;
        throw new IOException("connection to host b lost");
      }
      records.write(b);
      return b.length;
    }
  }

  @Override
  public String offer(byte[] plan, OutputStream missing) throws IOException {
    offers++;
    TransferEndpoint.Offer o =
        endpoint.offer(TransferPlan.decode(new ByteArrayInputStream(plan), "the plan"));
    missing.write(o.list());
    return o.planId().toString();
  }

  @Override
  public RecordCounts put(String planId, SpooledRecords records) throws IOException {
    if (forgetBeforePut) {
      forgetBeforePut = false;
      io.strata.store.transfer.ChunkIntake.release(host.chunks(), Digest.parse(planId));
    }
    TransferPlan plan = offered(planId);
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    records.copyTo(b);
    return endpoint.put(plan, new ByteArrayInputStream(b.toByteArray()), b.size());
  }

  @Override
  public void apply(String planId) throws IOException {
    endpoint.apply(offered(planId));
  }

  private TransferPlan offered(String planId) throws IOException {
    try {
      return endpoint.offered(Digest.parse(planId));
    } catch (NotFoundException e) {
      throw new PlanNotOfferedException("host b: " + e.getMessage(), e);
    }
  }
}
