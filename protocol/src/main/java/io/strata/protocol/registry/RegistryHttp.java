package io.strata.protocol.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The HTTP side of a registry: requests against {@code http(s)://REGISTRY}, answering a {@code 401}
 * with the bearer-token flow (the realm asked with the token, if any, as a Basic password; or with
 * it directly as the bearer token) once, then retrying. Errors become one-line {@link
 * RegistryException}s naming the request and quoting the registry's error message.
 */
public final class RegistryHttp {
  private static final ObjectMapper MAPPER = new ObjectMapper();

  /** The manifest types a pull accepts. */
  public static final String ACCEPT_MANIFESTS =
      String.join(
          ", ",
          "application/vnd.oci.image.manifest.v1+json",
          "application/vnd.oci.image.index.v1+json",
          "application/vnd.docker.distribution.manifest.v2+json",
          "application/vnd.docker.distribution.manifest.list.v2+json");

  private static final Pattern PARAM = Pattern.compile("(\\w+)=\"([^\"]*)\"");

  private final HttpClient http;
  private final URI base;
  private final String secret;
  private String authorization;

  /**
   * A client of {@code registry}, over plain HTTP when {@code plain}; {@code secret} may be null.
   */
  public RegistryHttp(String registry, boolean plain, String secret) {
    this.http =
        HttpClient.newBuilder()
            .connectTimeout(Duration.ofSeconds(30))
            .followRedirects(HttpClient.Redirect.NORMAL)
            .build();
    this.base = URI.create((plain ? "http://" : "https://") + registry);
    this.secret = secret;
  }

  /** {@code path} (absolute, or a Location the registry gave) against the registry. */
  public URI uri(String path) {
    return base.resolve(path);
  }

  /** Sends {@code builder}'s request, authenticating once on 401; the body is discarded. */
  public HttpResponse<Void> discard(HttpRequest.Builder builder) throws IOException {
    return send(builder, HttpResponse.BodyHandlers.discarding());
  }

  /**
   * A {@code HEAD} of manifest {@code reference} of {@code repository}: its answer tells whether
   * the registry has it and, in {@code Docker-Content-Digest}, its digest, before anything is
   * fetched.
   */
  public HttpResponse<Void> headManifest(String repository, String reference) throws IOException {
    return discard(
        HttpRequest.newBuilder(uri("/v2/" + repository + "/manifests/" + reference))
            .header("Accept", ACCEPT_MANIFESTS)
            .method("HEAD", HttpRequest.BodyPublishers.noBody()));
  }

  /** Sends and returns the body as bytes. */
  public HttpResponse<byte[]> bytes(HttpRequest.Builder builder) throws IOException {
    return send(builder, HttpResponse.BodyHandlers.ofByteArray());
  }

  /** Sends and returns the body as a stream (to be closed). */
  public HttpResponse<InputStream> stream(HttpRequest.Builder builder) throws IOException {
    return send(builder, HttpResponse.BodyHandlers.ofInputStream());
  }

  private <T> HttpResponse<T> send(HttpRequest.Builder builder, HttpResponse.BodyHandler<T> h)
      throws IOException {
    HttpResponse<T> r = once(builder, h);
    if (r.statusCode() == 401) {
      Optional<String> challenge = r.headers().firstValue("WWW-Authenticate");
      close(r);
      if (challenge.isPresent() && authenticate(challenge.get())) {
        r = once(builder, h);
      } else {
        // the 401's body is closed: refused here, not by a caller reading it
        throw new RegistryException(
            401,
            what(builder.build())
                + ": refused without "
                + (secret == null ? "credentials (give --remote-token-file)" : "valid credentials")
                + " (HTTP 401)",
            null);
      }
    }
    return r;
  }

  /** "registry HOST:PORT: METHOD PATH", how a failure names the request. */
  private String what(HttpRequest req) {
    return "registry " + base.getAuthority() + ": " + req.method() + " " + req.uri().getPath();
  }

  private <T> HttpResponse<T> once(HttpRequest.Builder builder, HttpResponse.BodyHandler<T> h)
      throws IOException {
    HttpRequest.Builder b = builder.copy().timeout(Duration.ofMinutes(30));
    if (authorization != null) {
      b.setHeader("Authorization", authorization);
    }
    HttpRequest req = b.build();
    try {
      return http.send(req, h);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException(req.method() + " " + req.uri() + ": interrupted", e);
    } catch (IOException e) {
      throw new RegistryException(0, what(req) + " failed: " + reason(e), e);
    }
  }

  /**
   * The body of {@code r}, read as it arrives: a read that fails (the registry going away in the
   * middle of its answer) is a {@link RegistryException} of an unreachable registry naming {@code
   * what}, not a bare "closed".
   */
  public InputStream body(HttpResponse<InputStream> r, String what) {
    return new java.io.FilterInputStream(r.body()) {
      @Override
      public int read() throws IOException {
        try {
          return super.read();
        } catch (RegistryException e) {
          throw e;
        } catch (IOException e) {
          throw lost(what, e);
        }
      }

      @Override
      public int read(byte[] b, int off, int len) throws IOException {
        try {
          return super.read(b, off, len);
        } catch (RegistryException e) {
          throw e;
        } catch (IOException e) {
          throw lost(what, e);
        }
      }
    };
  }

  private RegistryException lost(String what, IOException e) {
    return new RegistryException(
        0,
        "registry "
            + base.getAuthority()
            + ": connection lost while reading "
            + what
            + " ("
            + reason(e)
            + ")",
        e);
  }

  /** Why a request failed, as a sentence (the JDK's client throws some without a message). */
  String reason(IOException e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof java.net.ConnectException) {
        return "connection refused";
      }
      if (t instanceof java.net.http.HttpTimeoutException) {
        return "timed out";
      }
      if (t instanceof java.nio.channels.UnresolvedAddressException
          || t instanceof java.net.UnknownHostException) {
        return "unknown host " + base.getHost();
      }
      if (t instanceof java.security.cert.CertPathValidatorException
          || t instanceof java.security.cert.CertificateException
          || t.getClass().getName().endsWith("SunCertPathBuilderException")) {
        return "its TLS certificate is not trusted ("
            + t.getMessage()
            + "); add its CA to the Java trust store of the process that pulls"
            + " (-Djavax.net.ssl.trustStore=FILE in STRATA_JAVA_OPTS or STRATAD_JAVA_OPTS)";
      }
    }
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof javax.net.ssl.SSLException && "https".equals(base.getScheme())) {
        String m = String.valueOf(t.getMessage());
        boolean plaintext = m.contains("plaintext") || m.contains("nrecognized SSL message");
        return "TLS handshake failed ("
            + m
            + ")"
            + (plaintext ? "; a registry that speaks plain HTTP needs --plain-http" : "");
      }
    }
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t.getMessage() != null && !t.getMessage().isBlank()) {
        return t.getMessage();
      }
    }
    return e.getClass().getSimpleName();
  }

  /** Follows a {@code WWW-Authenticate} challenge; true when a token was obtained. */
  private boolean authenticate(String challenge) throws IOException {
    if (challenge.regionMatches(true, 0, "Basic", 0, 5)) {
      if (secret == null) {
        return false;
      }
      authorization =
          "Basic "
              + Base64.getEncoder()
                  .encodeToString(("strata:" + secret).getBytes(StandardCharsets.UTF_8));
      return true;
    }
    if (!challenge.regionMatches(true, 0, "Bearer", 0, 6)) {
      return false;
    }
    String realm = null;
    StringBuilder query = new StringBuilder();
    Matcher m = PARAM.matcher(challenge);
    while (m.find()) {
      if (m.group(1).equals("realm")) {
        realm = m.group(2);
      } else {
        query.append(query.length() == 0 ? "?" : "&");
        query
            .append(m.group(1))
            .append('=')
            .append(URLEncoder.encode(m.group(2), StandardCharsets.UTF_8));
      }
    }
    if (realm == null) {
      return false;
    }
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(realm + query)).GET();
    if (secret != null) {
      b.header(
          "Authorization",
          "Basic "
              + Base64.getEncoder()
                  .encodeToString(("strata:" + secret).getBytes(StandardCharsets.UTF_8)));
    }
    String saved = authorization;
    authorization = null;
    HttpResponse<byte[]> r = once(b, HttpResponse.BodyHandlers.ofByteArray());
    authorization = saved;
    if (r.statusCode() != 200) {
      return false;
    }
    JsonNode t = MAPPER.readTree(r.body());
    String token = t.path("token").asText(t.path("access_token").asText(""));
    if (token.isEmpty()) {
      return false;
    }
    authorization = "Bearer " + token;
    return true;
  }

  private static void close(HttpResponse<?> r) throws IOException {
    if (r.body() instanceof InputStream in) {
      in.close();
    }
  }

  /** Refuses {@code r} unless its status is one of {@code ok}, quoting the registry's message. */
  public static void expect(HttpResponse<?> r, String what, int... ok) throws IOException {
    for (int s : ok) {
      if (r.statusCode() == s) {
        return;
      }
    }
    String message = "";
    Object body = r.body();
    byte[] raw = null;
    if (body instanceof byte[] b) {
      raw = b;
    } else if (body instanceof InputStream in) {
      try (in) {
        raw = in.readNBytes(64 << 10);
      }
    }
    if (raw != null && raw.length > 0) {
      try {
        JsonNode e = MAPPER.readTree(raw).path("errors").path(0);
        message = ": " + e.path("code").asText("") + " " + e.path("message").asText("");
      } catch (IOException notJson) {
        message = "";
      }
    }
    throw new RegistryException(
        r.statusCode(), what + ": registry answered " + r.statusCode() + message, null);
  }
}
