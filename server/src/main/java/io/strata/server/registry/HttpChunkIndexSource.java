package io.strata.server.registry;

import io.strata.protocol.registry.RegistryHttp;
import io.strata.protocol.registry.RegistryRef;
import io.strata.store.digest.Digest;
import io.strata.store.error.NotFoundException;
import io.strata.store.registry.ChunkIndexSource;
import io.strata.store.registry.ManifestDocument;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;

/**
 * A registry as the source of a Strata-to-Strata pull ({@code store.hosts.RegistryChunkPull}): the
 * distribution API's manifests, referrers and blobs, and {@code POST /v2/REPO/_strata/chunks} (the
 * layers and chunks in the body), over the same HTTP client (and token flow) as {@code strata
 * pull}. Moves bytes only; the pull verifies them.
 */
public final class HttpChunkIndexSource implements ChunkIndexSource {
  /** The chunk request's path under a repository. */
  public static final String CHUNKS_PATH = "/_strata/chunks";

  private final RegistryHttp http;
  private final RegistryRef ref;

  /** The repository of {@code ref}, over plain HTTP when {@code plain}; {@code secret} or null. */
  public HttpChunkIndexSource(RegistryRef ref, boolean plain, String secret) {
    this.http = new RegistryHttp(ref.registry(), plain, secret);
    this.ref = ref;
  }

  @Override
  public String name() {
    return "registry " + ref.registry() + "/" + ref.repository();
  }

  private String path(String rest) {
    return "/v2/" + ref.repository() + rest;
  }

  @Override
  public Manifest manifest(String reference) throws IOException {
    HttpResponse<InputStream> r =
        http.stream(
            HttpRequest.newBuilder(http.uri(path("/manifests/" + reference)))
                .header("Accept", RegistryHttp.ACCEPT_MANIFESTS)
                .GET());
    String what = name() + ": manifest " + reference;
    if (r.statusCode() == 404) {
      r.body().close();
      throw new NotFoundException(what + " not found");
    }
    RegistryHttp.expect(r, "pull of " + what, 200);
    byte[] body;
    try (InputStream in = r.body()) {
      body = in.readNBytes(ManifestDocument.MAX_BYTES + 1);
    }
    if (body.length > ManifestDocument.MAX_BYTES) {
      throw new IOException(what + ": larger than " + ManifestDocument.MAX_BYTES + " bytes");
    }
    String type =
        r.headers().firstValue("Content-Type").map(t -> t.split(";")[0].trim()).orElse("");
    return new Manifest(body, type.isEmpty() ? null : type);
  }

  @Override
  public byte[] referrers(Digest subject, String artifactType) throws IOException {
    HttpResponse<InputStream> r =
        http.stream(
            HttpRequest.newBuilder(
                    http.uri(
                        path(
                            "/referrers/"
                                + subject
                                + "?artifactType="
                                + URLEncoder.encode(artifactType, StandardCharsets.UTF_8))))
                .GET());
    if (r.statusCode() == 404) {
      r.body().close();
      return null;
    }
    RegistryHttp.expect(r, name() + ": referrers of " + subject, 200);
    try (InputStream in = r.body()) {
      byte[] b = in.readNBytes(ManifestDocument.MAX_BYTES + 1);
      if (b.length > ManifestDocument.MAX_BYTES) {
        throw new IOException(name() + ": referrers of " + subject + ": too large");
      }
      return b;
    }
  }

  @Override
  public long blob(Digest digest, OutputStream out) throws IOException {
    HttpResponse<InputStream> r =
        http.stream(HttpRequest.newBuilder(http.uri(path("/blobs/" + digest))).GET());
    RegistryHttp.expect(r, "pull of " + name() + " blob " + digest, 200);
    try (InputStream in = http.body(r, "blob " + digest)) {
      return in.transferTo(out);
    }
  }

  @Override
  public long chunks(byte[] request, OutputStream out) throws IOException {
    HttpResponse<InputStream> r =
        http.stream(
            HttpRequest.newBuilder(http.uri(path(CHUNKS_PATH)))
                .header("Content-Type", ChunkEndpoints.REQUEST_TYPE)
                .POST(HttpRequest.BodyPublishers.ofByteArray(request)));
    RegistryHttp.expect(r, name() + ": chunk request", 200);
    try (InputStream in = http.body(r, "the chunks of " + name())) {
      return in.transferTo(out);
    }
  }
}
