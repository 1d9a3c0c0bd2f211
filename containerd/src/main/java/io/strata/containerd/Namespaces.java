package io.strata.containerd;

import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import java.util.regex.Pattern;

/**
 * The containerd namespace of a call, from its {@code containerd-namespace} header. Like
 * containerd's own services, a call without one fails (FAILED_PRECONDITION, "namespace is
 * required") and a namespace that is not a containerd identifier is an invalid argument, so a
 * namespace can never carry a {@code /} into a key.
 */
final class Namespaces implements ServerInterceptor {
  static final Metadata.Key<String> HEADER =
      Metadata.Key.of("containerd-namespace", Metadata.ASCII_STRING_MARSHALLER);
  private static final Context.Key<String> CURRENT = Context.key("containerd-namespace");

  /** containerd's identifiers.Validate: alphanumerics joined by single '.', '_' or '-'. */
  private static final Pattern IDENTIFIER = Pattern.compile("[A-Za-z0-9]+(?:[._-][A-Za-z0-9]+)*");

  private static final int MAX_LENGTH = 76;

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(
      ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
    Context ctx = Context.current().withValue(CURRENT, headers.get(HEADER));
    return Contexts.interceptCall(ctx, call, headers, next);
  }

  /** The current call's namespace, validated. */
  static String current() {
    String ns = CURRENT.get();
    if (ns == null || ns.isEmpty()) {
      throw Status.FAILED_PRECONDITION
          .withDescription("namespace is required: set the containerd-namespace header")
          .asRuntimeException();
    }
    if (ns.length() > MAX_LENGTH || !IDENTIFIER.matcher(ns).matches()) {
      throw ErrorCodes.invalid(
          "namespace "
              + ns
              + ": must be at most 76 letters and digits joined by single '.', '_' or '-'");
    }
    return ns;
  }
}
