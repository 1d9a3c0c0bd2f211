package io.strata.containerd;

import io.grpc.stub.StreamObserver;
import java.io.IOException;

/** Runs a unary call's body and answers with its result or its error as a gRPC status. */
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
}
