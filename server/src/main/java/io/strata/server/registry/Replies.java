package io.strata.server.registry;

import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import java.nio.charset.StandardCharsets;

/** The responses the registry builds: each complete, with its length and the API version header. */
final class Replies {
  static final String API_VERSION = "Docker-Distribution-API-Version";
  static final String CONTENT_DIGEST = "Docker-Content-Digest";
  static final String UPLOAD_UUID = "Docker-Upload-UUID";

  private Replies() {}

  /** A response of {@code status} with {@code body} (may be empty) of {@code contentType}. */
  static FullHttpResponse of(HttpResponseStatus status, byte[] body, String contentType) {
    FullHttpResponse r =
        new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, Unpooled.wrappedBuffer(body));
    r.headers().set(HttpHeaderNames.CONTENT_LENGTH, body.length);
    r.headers().set(API_VERSION, "registry/2.0");
    if (contentType != null) {
      r.headers().set(HttpHeaderNames.CONTENT_TYPE, contentType);
    }
    return r;
  }

  /** An empty response of {@code status}. */
  static FullHttpResponse empty(HttpResponseStatus status) {
    return of(status, new byte[0], null);
  }

  /** A JSON response. */
  static FullHttpResponse json(HttpResponseStatus status, String json) {
    return of(
        status,
        json.getBytes(StandardCharsets.UTF_8),
        HttpHeaderValues.APPLICATION_JSON.toString());
  }

  /** The spec's error JSON for {@code e}. */
  static FullHttpResponse error(RegistryError e) {
    FullHttpResponse r = of(e.status(), e.body(), HttpHeaderValues.APPLICATION_JSON.toString());
    if (e.challenge() != null) {
      r.headers().set(HttpHeaderNames.WWW_AUTHENTICATE, e.challenge());
    }
    return r;
  }
}
