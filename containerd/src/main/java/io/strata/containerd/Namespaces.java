package io.strata.containerd;

import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import java.util.regex.Pattern;

/**
 * The key space of a call: the socket's space ({@link ContainerdSocket}) and the call's containerd
 * namespace, from its {@code containerd-namespace} header. A namespace that is not a containerd
 * identifier is an invalid argument, so a namespace can never carry a {@code /} into a key.
 *
 * <p>containerd itself sends no header to a proxy plugin: its metadata layer keeps namespaces apart
 * above the plugin (snapshot keys arrive as {@code <namespace>/<id>/<key>}, content is shared the
 * way its own content store is). Calls without a header therefore work in one shared space, {@value
 * #SHARED}, which no header can name ({@code _} is not an identifier).
 *
 * <p>The space of a call, the segment its keys are stored under ({@link SnapshotKeys}, {@link
 * ContentRecord}): on the socket of the default space {@value #SHARED} without a header and {@code
 * N} with header {@code N} (as before sockets had spaces, so existing data roots keep their
 * snapshots); on a socket of space {@code S}, {@code S:_} and {@code S:N}. Names and namespaces
 * hold no ':', so no two of these are the same.
 */
final class Namespaces implements ServerInterceptor {
  static final Metadata.Key<String> HEADER =
      Metadata.Key.of("containerd-namespace", Metadata.ASCII_STRING_MARSHALLER);
  private static final Context.Key<String> CURRENT = Context.key("containerd-namespace");
  private static final Context.Key<String> SPACE = Context.key("containerd-space");

  /** containerd's identifiers.Validate: alphanumerics joined by single '.', '_' or '-'. */
  private static final Pattern IDENTIFIER = Pattern.compile("[A-Za-z0-9]+(?:[._-][A-Za-z0-9]+)*");

  private static final int MAX_LENGTH = 76;

  /** The space of calls without a namespace header (containerd's own) on the default socket. */
  static final String SHARED = "_";

  private final String space;

  /** The namespaces of a socket in space {@code space}. */
  Namespaces(String space) {
    this.space = space;
  }

  /** Whether a call with {@code headers} names no namespace: a call in containerd's own space. */
  static boolean shared(Metadata headers) {
    String ns = headers.get(HEADER);
    return ns == null || ns.isEmpty();
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(
      ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
    Context ctx = Context.current().withValue(CURRENT, headers.get(HEADER)).withValue(SPACE, space);
    return Contexts.interceptCall(ctx, call, headers, next);
  }

  /** The current call's space, its namespace validated ({@link #SHARED} without a header). */
  static String current() {
    String ns = CURRENT.get();
    if (ns == null || ns.isEmpty()) {
      ns = SHARED;
    } else if (ns.length() > MAX_LENGTH || !IDENTIFIER.matcher(ns).matches()) {
      throw ErrorCodes.invalid(
          "namespace "
              + ns
              + ": must be at most 76 letters and digits joined by single '.', '_' or '-'");
    }
    String space = SPACE.get();
    return space == null || space.equals(SHARED) ? ns : space + ":" + ns;
  }
}
