package io.strata.containerd;

import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import java.util.regex.Pattern;

/**
 * The containerd namespace of a call, from its {@code containerd-namespace} header. A namespace
 * that is not a containerd identifier is an invalid argument, so a namespace can never carry a
 * {@code /} into a key.
 *
 * <p>containerd itself sends no header to a proxy plugin: its metadata layer keeps namespaces apart
 * above the plugin (snapshot keys arrive as {@code <namespace>/<id>/<key>}, content is shared the
 * way its own content store is). Calls without a header therefore work in one shared space, {@value
 * #SHARED}, which no header can name ({@code _} is not an identifier).
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

  /** The space of calls without a namespace header: containerd's own calls. */
  static final String SHARED = "_";

  /** The current call's namespace, validated; {@link #SHARED} without a header. */
  static String current() {
    String ns = CURRENT.get();
    if (ns == null || ns.isEmpty()) {
      return SHARED;
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
