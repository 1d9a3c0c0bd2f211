package io.strata.containerd;

import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import io.strata.containerd.api.content.ContentGrpc;
import io.strata.containerd.api.content.WriteContentRequest;
import io.strata.containerd.api.content.WriteContentResponse;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/** One Write stream driven step by step: send a message, wait (with a deadline) for the answer. */
final class WriteStream implements StreamObserver<WriteContentResponse> {
  private static final Object COMPLETED = new Object();
  private final BlockingQueue<Object> events = new LinkedBlockingQueue<>();
  private final StreamObserver<WriteContentRequest> requests;

  WriteStream(ContentGrpc.ContentStub stub) {
    requests = stub.write(this);
  }

  /** Sends {@code r} and returns the answer; a failed stream throws its status. */
  WriteContentResponse send(WriteContentRequest r) throws InterruptedException {
    requests.onNext(r);
    Object o = next();
    if (o instanceof WriteContentResponse w) {
      return w;
    }
    if (o instanceof StatusRuntimeException e) {
      throw e;
    }
    throw new AssertionError("expected an answer, the stream " + (o == COMPLETED ? "ended" : o));
  }

  /** Waits for the stream's end: null when it completed, else its error. */
  StatusRuntimeException end() throws InterruptedException {
    Object o = next();
    if (o == COMPLETED) {
      return null;
    }
    if (o instanceof StatusRuntimeException e) {
      return e;
    }
    throw new AssertionError("expected the end of the stream, got " + o);
  }

  private Object next() throws InterruptedException {
    Object o = events.poll(60, TimeUnit.SECONDS);
    if (o == null) {
      throw new AssertionError("no answer within 60 s");
    }
    return o;
  }

  /** Ends this side of the stream without a commit. */
  void finish() {
    requests.onCompleted();
  }

  @Override
  public void onNext(WriteContentResponse value) {
    events.add(value);
  }

  @Override
  public void onError(Throwable t) {
    events.add(
        t instanceof StatusRuntimeException e
            ? e
            : io.grpc.Status.fromThrowable(t).asRuntimeException());
  }

  @Override
  public void onCompleted() {
    events.add(COMPLETED);
  }
}
