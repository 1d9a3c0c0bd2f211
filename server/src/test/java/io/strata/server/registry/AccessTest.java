package io.strata.server.registry;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpVersion;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Strata's chunk request is a POST that only reads: authenticated as a pull. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class AccessTest {
  private static final byte[] TOKEN = "s3cret".getBytes(StandardCharsets.UTF_8);

  private static HttpRequest post(String auth) {
    HttpRequest r =
        new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, "/v2/a/_strata/chunks");
    if (auth != null) {
      r.headers().set(HttpHeaderNames.AUTHORIZATION, auth);
    }
    return r;
  }

  @Test
  void theChunkRequestNeedsTheTokenUnlessPullsAreAnonymous() {
    Access closed = new Access(TOKEN, false);
    assertThat(closed.allows(post(null), true)).isFalse();
    assertThat(closed.allows(post("Bearer wrong"), true)).isFalse();
    assertThat(closed.allows(post("Bearer s3cret"), true)).isTrue();
    Access anonymousPull = new Access(TOKEN, true);
    assertThat(anonymousPull.allows(post(null), true)).isTrue();
    // any other POST (an upload) still needs it
    assertThat(anonymousPull.allows(post(null), false)).isFalse();
    assertThat(new Access(null, false).allows(post(null), false)).isTrue();
  }
}
