package io.strata.containerd;

import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * Runs a call's body and answers with its result or its error as a gRPC status: unary calls, and
 * listings streamed in batches.
 */
final class Calls {
  private Calls() {}

  /** The body of a call: may throw engine errors, IO errors, or a status. */
  interface Body<T> {
    T run() throws IOException;
  }

  static <T> void unary(StreamObserver<T> out, Body<T> body) {
    T result;
    try {
      result = body.run();
    } catch (IOException | RuntimeException e) {
      out.onError(ErrorCodes.toStatus(e));
      return;
    }
    out.onNext(result);
    out.onCompleted();
  }

  /** The items a listing holds, each handed to {@code sink} as the walk finds it. */
  interface Walk<I> {
    void run(Consumer<I> sink) throws IOException;
  }

  /** The most items one response of a listing carries. */
  static final int LIST_BATCH = 100;

  /**
   * A listing: each batch of {@link #LIST_BATCH} items is sent as soon as the walk has found it, so
   * a listing of any length holds one batch. An error ends the stream with its status, after the
   * batches already sent (containerd's clients then fail the whole listing).
   */
  static <I, R> void list(StreamObserver<R> out, Function<List<I>, R> response, Walk<I> walk) {
    List<I> batch = new ArrayList<>(LIST_BATCH);
    try {
      walk.run(
          item -> {
            batch.add(item);
            if (batch.size() == LIST_BATCH) {
              out.onNext(response.apply(List.copyOf(batch)));
              batch.clear();
            }
          });
    } catch (IOException | RuntimeException e) {
      out.onError(ErrorCodes.toStatus(e));
      return;
    }
    if (!batch.isEmpty()) {
      out.onNext(response.apply(batch));
    }
    out.onCompleted();
  }
}
