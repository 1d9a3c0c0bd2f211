package io.strata.server.registry;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Base64;

/**
 * Who may do what: without a token everyone may do everything (the server then listens on loopback
 * only); with one, every request must carry it, as {@code Authorization: Bearer TOKEN} or as the
 * password of {@code Basic} credentials, except GET and HEAD when anonymous pull is on. A client
 * refused is told where to get a bearer token: the docker token flow's simple case, where {@link
 * Route#TOKEN_PATH} hands the token back to whoever shows it as a Basic password, and under
 * anonymous pull hands {@value #ANONYMOUS} to a client without credentials (good for reads only).
 * {@code GET /v2/} challenges every client without a token, anonymous pull or not, as a
 * distribution registry with token auth does, so that clients with credentials use them.
 */
final class Access {
  private final byte[] token;
  private final boolean anonymousPull;

  Access(byte[] token, boolean anonymousPull) {
    this.token = token == null ? null : token.clone();
    this.anonymousPull = anonymousPull;
  }

  /**
   * The bearer token the token endpoint hands a client without credentials under anonymous pull.
   */
  static final String ANONYMOUS = "anonymous";

  /** Whether the token is required at all. */
  boolean open() {
    return token == null;
  }

  /** Whether reads need no token. */
  boolean anonymousPull() {
    return anonymousPull;
  }

  /**
   * Whether a {@code GET /v2/} may answer 200: with a token, only to a client that shows it, or the
   * anonymous token under anonymous pull. A registry that answers 200 to anyone tells docker,
   * skopeo and containerd that it needs no credentials: they then push without them and meet the
   * first 401 on a write, which skopeo gives up on and containerd cannot replay (a streamed
   * manifest), so a push with the right token failed or hung. Challenged, they fetch a token first.
   */
  boolean admitsBase(HttpRequest req) {
    return token == null || presented(req) || anonymousPull && presentsAnonymous(req);
  }

  private static boolean presentsAnonymous(HttpRequest req) {
    String auth = req.headers().get(HttpHeaderNames.AUTHORIZATION);
    return auth != null
        && auth.regionMatches(true, 0, "Bearer ", 0, 7)
        && auth.substring(7).trim().equals(ANONYMOUS);
  }

  /**
   * Whether {@code req} may go on; {@code pull} says it only reads (Strata's chunk request, a POST
   * that reads), so anonymous pull lets it through as it does GET and HEAD.
   */
  boolean allows(HttpRequest req, boolean pull) {
    if (token == null) {
      return true;
    }
    HttpMethod m = req.method();
    if (anonymousPull && (pull || m.equals(HttpMethod.GET) || m.equals(HttpMethod.HEAD))) {
      return true;
    }
    return presented(req);
  }

  /** Whether {@code req} carries the token (bearer, or a Basic password). */
  boolean presented(HttpRequest req) {
    if (token == null) {
      return true;
    }
    String auth = req.headers().get(HttpHeaderNames.AUTHORIZATION);
    if (auth == null) {
      return false;
    }
    byte[] given;
    if (auth.regionMatches(true, 0, "Bearer ", 0, 7)) {
      given = auth.substring(7).trim().getBytes(StandardCharsets.UTF_8);
    } else if (auth.regionMatches(true, 0, "Basic ", 0, 6)) {
      String pair;
      try {
        pair =
            new String(
                Base64.getDecoder().decode(auth.substring(6).trim()), StandardCharsets.UTF_8);
      } catch (IllegalArgumentException e) {
        return false;
      }
      int colon = pair.indexOf(':');
      given = pair.substring(colon + 1).getBytes(StandardCharsets.UTF_8);
    } else {
      return false;
    }
    return MessageDigest.isEqual(given, token);
  }

  /** The token itself, handed out by the token endpoint to a client that showed it. */
  String token() {
    return new String(token, StandardCharsets.UTF_8);
  }

  /** The {@code WWW-Authenticate} challenge for a refused request to {@code host}. */
  static String challenge(String scheme, String host) {
    return "Bearer realm=\"" + scheme + "://" + host + Route.TOKEN_PATH + "\",service=\"strata\"";
  }
}
