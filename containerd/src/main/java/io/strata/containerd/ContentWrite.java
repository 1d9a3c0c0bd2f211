package io.strata.containerd;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import io.strata.containerd.api.content.WriteAction;
import io.strata.containerd.api.content.WriteContentRequest;
import io.strata.containerd.api.content.WriteContentResponse;
import io.strata.store.digest.Digest;
import io.strata.store.error.AlreadyExistsException;
import io.strata.store.error.ConflictException;
import io.strata.store.ref.Root;
import io.strata.store.ref.RootChange;
import java.io.IOException;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * One Write stream, as containerd's content service runs it: the first message names the ref and
 * takes it; each message may carry the expected digest and total, data at the current offset
 * (offset 0 starts over), and the commit, which ends the stream. The stream ending without a commit
 * leaves the ingest for a later stream to resume.
 */
final class ContentWrite implements StreamObserver<WriteContentRequest> {
  private final ContentService service;
  private final Ingests ingests;
  private final Clock clock;
  private final StreamObserver<WriteContentResponse> out;
  private String ns;
  private Ingest ingest;
  private boolean finished;
  // What this stream expects (the latest message naming it wins), as containerd's service keeps
  // them per stream: a failed commit does not leave its expectations on the ingest.
  private long total;
  private String expected = "";

  ContentWrite(
      ContentService service,
      Ingests ingests,
      Clock clock,
      StreamObserver<WriteContentResponse> out) {
    this.service = service;
    this.ingests = ingests;
    this.clock = clock;
    this.out = out;
  }

  @Override
  public void onNext(WriteContentRequest req) {
    if (finished) {
      return;
    }
    try {
      if (ingest == null) {
        ns = Namespaces.current();
        if (req.getRef().isEmpty()) {
          throw ErrorCodes.invalid("first message must have a reference");
        }
        ingest = ingests.lock(ns, req.getRef(), clock.instant());
      }
      handle(req);
    } catch (IOException | RuntimeException e) {
      fail(ErrorCodes.toStatus(e));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      fail(Status.CANCELLED.withDescription("stratad is stopping").asRuntimeException());
    }
  }

  private void handle(WriteContentRequest req) throws IOException {
    WriteContentResponse.Builder resp =
        WriteContentResponse.newBuilder().setAction(req.getAction());
    long offset = ingest.offset();
    if (!req.getExpected().isEmpty()) {
      expected = req.getExpected();
      ingest.expected = expected;
      if (service.find(ns, ContentService.digest(expected)) != null) {
        ingests.remove(ingest);
        ingest.discard();
        throw new AlreadyExistsException("content " + expected + " exists already");
      }
    }
    if (req.getTotal() > 0) {
      total = req.getTotal();
      ingest.total = total;
    }
    switch (req.getAction()) {
      case STAT -> {
        resp.setDigest(ingest.digestSoFar())
            .setStartedAt(Times.of(ingest.started))
            .setUpdatedAt(Times.of(ingest.updated))
            .setTotal(total > 0 ? total : ingest.total);
      }
      case WRITE, COMMIT -> {
        if (req.getOffset() > 0 && req.getOffset() != offset) {
          throw Status.OUT_OF_RANGE
              .withDescription(
                  "ref "
                      + ingest.ref
                      + ": write at "
                      + req.getOffset()
                      + " must occur at current offset "
                      + offset)
              .asRuntimeException();
        }
        if (req.getOffset() == 0 && offset > 0) {
          ingest.truncate(clock.instant());
          offset = 0;
        }
        if (!req.getData().isEmpty()) {
          ingest.write(req.getData().toByteArray(), clock.instant());
          offset = ingest.offset();
        }
        if (req.getAction() == WriteAction.COMMIT) {
          resp.setDigest(commit(req.getLabelsMap()).toString())
              .setStartedAt(Times.of(ingest.started))
              .setUpdatedAt(Times.of(ingest.updated))
              .setTotal(total);
        } else {
          resp.setDigest(ingest.digestSoFar());
        }
      }
      default -> throw ErrorCodes.invalid("write action " + req.getActionValue() + " unknown");
    }
    out.onNext(resp.setOffset(offset).build());
    if (req.getAction() == WriteAction.COMMIT) {
      finished = true;
      out.onCompleted();
    }
  }

  /**
   * Checks size and digest against what this stream expects and stores the blob under its digest. A
   * mismatch leaves the ingest as it was, for a later commit with the right expectations (as
   * containerd's local store does); content already present drops the ingest.
   */
  private Digest commit(Map<String, String> labels) throws IOException {
    Map<String, String> cleaned = Labels.clean(labels);
    long size = ingest.offset();
    String digest = ingest.digestSoFar();
    // Worded as containerd's local store words them, without the ref: containerd's proxy writer
    // puts "commit failed: " before the message, and the ref is containerd's metadata key
    // (NS/ID/REF), not what the user named.
    if (total > 0 && size != total) {
      throw new ConflictException("unexpected commit size " + size + ", expected " + total);
    }
    if (!expected.isEmpty() && !expected.equals(digest)) {
      throw new ConflictException("unexpected commit digest " + digest + ", expected " + expected);
    }
    ingests.remove(ingest);
    if (service.find(ns, Digest.parse(digest)) != null) {
      ingest.discard();
      throw new AlreadyExistsException("content " + digest + " exists already");
    }
    Ingest.Finished f = ingest.finish();
    try (var session = f.session()) {
      Instant now = clock.instant();
      ContentRecord c = new ContentRecord(f.digest(), now, now, cleaned, f.written().recipe());
      session.commit(
          List.of(
              new RootChange.Put(
                  new Root(
                      ContentRecord.rootName(ns, f.digest()),
                      f.written().recipe().size(),
                      c.encode(),
                      f.written().recipe().chunkSet()))));
      return f.digest();
    }
  }

  private void fail(StatusRuntimeException e) {
    finished = true;
    release();
    out.onError(e);
  }

  private void release() {
    if (ingest != null) {
      ingests.unlock(ingest);
    }
  }

  @Override
  public void onError(Throwable t) {
    if (!finished) {
      finished = true;
      release();
    }
  }

  @Override
  public void onCompleted() {
    if (!finished) {
      finished = true;
      release();
      out.onCompleted();
    }
  }
}
