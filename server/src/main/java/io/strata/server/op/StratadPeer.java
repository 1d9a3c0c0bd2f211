package io.strata.server.op;

import io.strata.client.StrataClient;
import io.strata.client.StrataClientException;
import io.strata.protocol.HostPort;
import io.strata.protocol.Status;
import io.strata.protocol.message.ChunksEnd;
import io.strata.protocol.message.PlanArgs;
import io.strata.store.hosts.PlanNotOfferedException;
import io.strata.store.hosts.RecordCounts;
import io.strata.store.hosts.SpooledRecords;
import io.strata.store.hosts.TransferPeer;
import io.strata.store.transfer.ContentCut;
import java.io.Closeable;
import java.io.IOException;
import java.io.OutputStream;

/**
 * The other stratad of a push or pull, over one protocol connection. Its refusals and failures
 * become {@link RemoteFailure}s that keep its status (a missing image stays NOT_FOUND, a wrong
 * token UNAUTHENTICATED) with a message naming it; NOT_FOUND for a plan it was offered becomes
 * {@link PlanNotOfferedException}.
 */
final class StratadPeer implements TransferPeer, Closeable {
  private final HostPort address;
  private final String name;
  private final StrataClient client;

  private StratadPeer(HostPort address, StrataClient client) {
    this.address = address;
    this.name = "stratad at " + address;
    this.client = client;
  }

  /** Connects to the stratad at {@code address} with {@code token} (null: none). */
  static StratadPeer connect(HostPort address, byte[] token) {
    try {
      return new StratadPeer(address, StrataClient.connect(address, token));
    } catch (StrataClientException e) {
      if (e.status() == Status.UNAUTHENTICATED) {
        // the client's words name its own options; here the token is the other host's
        throw new RemoteFailure(
            e.status(),
            "stratad at "
                + address
                + (token == null
                    ? " requires a token: give it with --remote-token-file FILE"
                    : " refused the token of --remote-token-file"),
            e);
      }
      throw failure(address, "stratad at " + address, e);
    }
  }

  @Override
  public String name() {
    return name;
  }

  /** A call to the other host. */
  @FunctionalInterface
  private interface Call<T> {
    T run() throws IOException;
  }

  private <T> T call(Call<T> call) throws IOException {
    try {
      return call.run();
    } catch (StrataClientException e) {
      throw failure(address, name, e);
    }
  }

  /** As {@link #call}, for a request about an offered plan. */
  private <T> T planCall(Call<T> call) throws IOException {
    try {
      return call.run();
    } catch (StrataClientException e) {
      RemoteFailure f = failure(address, name, e);
      if (e.status() == Status.NOT_FOUND) {
        throw new PlanNotOfferedException(f.getMessage(), f);
      }
      throw f;
    }
  }

  @Override
  public String cut() throws IOException {
    return call(() -> client.transferCut().cut());
  }

  @Override
  public long plan(String image, ContentCut cut, OutputStream out) throws IOException {
    return call(() -> client.transferPlan(new PlanArgs(image, cut.text()), out));
  }

  @Override
  public long chunks(String imageId, ContentCut cut, byte[] list, OutputStream records)
      throws IOException {
    return call(
        () ->
            client
                .transferChunks(new PlanArgs(imageId, cut.text()), o -> o.write(list), records)
                .bytes());
  }

  @Override
  public String offer(byte[] plan, OutputStream missing) throws IOException {
    return call(() -> client.transferOffer(plan, missing).plan());
  }

  @Override
  public RecordCounts put(String planId, SpooledRecords records) throws IOException {
    ChunksEnd end = planCall(() -> client.transferPut(planId, records::copyTo));
    return new RecordCounts(end.chunks(), end.rawBytes(), end.bytes());
  }

  @Override
  public void apply(String planId) throws IOException {
    planCall(() -> client.transferApply(planId));
  }

  @Override
  public void close() throws IOException {
    client.close();
  }

  /**
   * The other host's error, its message prefixed with {@code where} unless it names the host
   * already ("cannot reach stratad at HOST", "HOST is not a Strata server"): one prefix, not two.
   */
  private static RemoteFailure failure(HostPort address, String where, StrataClientException e) {
    String message = e.getMessage();
    String named =
        message != null && message.contains(address.toString()) ? message : where + ": " + message;
    return new RemoteFailure(e.status(), named, e);
  }
}
