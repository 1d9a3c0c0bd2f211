package io.strata.client.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.strata.protocol.registry.RegistryHttp;
import io.strata.protocol.registry.RegistryRef;
import io.strata.protocol.registry.Tally;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Pushes the image of an OCI layout to a registry: every blob it needs (config and layers, the
 * children of an index first), each checked with HEAD first and sent only when missing, mounted
 * from {@code mountFrom} when the registry holds it there; then the manifest, tagged.
 */
public final class RegistryPush {
  private static final ObjectMapper MAPPER = new ObjectMapper();

  private final RegistryHttp http;
  private final RegistryRef target;
  private final String mountFrom;
  private final String sourceTag;
  private final Set<String> done = new HashSet<>();
  private Tally tally = new Tally(0, 0, 0, 0);

  /**
   * A push to {@code target}; {@code source} (null: none) is where on the same registry the image
   * came from, whose blobs are mounted rather than sent.
   */
  public RegistryPush(RegistryHttp http, RegistryRef target, RegistryRef source) {
    this.http = http;
    this.target = target;
    this.mountFrom = source == null ? null : source.repository();
    this.sourceTag = source == null ? null : source.reference();
  }

  /** Pushes the (first) image of {@code layout}; returns what crossed the wire. */
  public Tally push(Path layout) throws IOException {
    JsonNode index = MAPPER.readTree(Files.readAllBytes(layout.resolve("index.json")));
    JsonNode top = index.path("manifests").path(0);
    if (top.isMissingNode()) {
      throw new IOException("OCI layout " + layout + ": its index lists no image");
    }
    if (mountFrom != null && !mountFrom.equals(target.repository()) && mountAll(layout, top)) {
      return tally;
    }
    manifest(layout, top, target.reference());
    return tally;
  }

  /**
   * When the image came from {@code mountFrom} on this registry and is the same image there (same
   * config), pushes that manifest as it is, every blob mounted rather than sent: the registry keeps
   * the blobs it was pushed with (compressed), where an export from Strata would give uncompressed
   * layers of other digests. False, nothing pushed, when it cannot.
   */
  private boolean mountAll(Path layout, JsonNode top) throws IOException {
    JsonNode ours = MAPPER.readTree(Files.readAllBytes(blob(layout, top.path("digest").asText())));
    String config = ours.path("config").path("digest").asText("");
    HttpResponse<byte[]> r =
        http.bytes(
            HttpRequest.newBuilder(http.uri("/v2/" + mountFrom + "/manifests/" + sourceTag))
                .header("Accept", RegistryHttp.ACCEPT_MANIFESTS)
                .GET());
    if (r.statusCode() != 200 || config.isEmpty()) {
      return false;
    }
    JsonNode theirs = MAPPER.readTree(r.body());
    if (!config.equals(theirs.path("config").path("digest").asText())) {
      return false;
    }
    List<JsonNode> blobs = new ArrayList<>();
    blobs.add(theirs.path("config"));
    theirs.path("layers").forEach(blobs::add);
    for (JsonNode d : blobs) {
      String digest = d.path("digest").asText();
      long size = d.path("size").asLong();
      HttpResponse<Void> head =
          http.discard(
              HttpRequest.newBuilder(http.uri(path("blobs/" + digest)))
                  .method("HEAD", HttpRequest.BodyPublishers.noBody()));
      if (head.statusCode() != 200) {
        HttpResponse<byte[]> post =
            http.bytes(
                HttpRequest.newBuilder(
                        http.uri(
                            path("blobs/uploads/")
                                + "?mount="
                                + enc(digest)
                                + "&from="
                                + enc(mountFrom)))
                    .POST(HttpRequest.BodyPublishers.noBody()));
        if (post.statusCode() != 201) {
          return false;
        }
      }
      tally = tally.plus(false, size);
    }
    String type =
        r.headers()
            .firstValue("Content-Type")
            .map(t -> t.split(";")[0].trim())
            .orElse(theirs.path("mediaType").asText());
    HttpResponse<byte[]> put =
        http.bytes(
            HttpRequest.newBuilder(http.uri(path("manifests/" + target.reference())))
                .header("Content-Type", type)
                .PUT(HttpRequest.BodyPublishers.ofByteArray(r.body())));
    RegistryHttp.expect(put, "push of manifest " + target, 201, 200);
    tally = tally.plus(true, r.body().length);
    return true;
  }

  private void manifest(Path layout, JsonNode d, String reference) throws IOException {
    String digest = d.path("digest").asText();
    String type = d.path("mediaType").asText();
    byte[] body = Files.readAllBytes(blob(layout, digest));
    JsonNode m = MAPPER.readTree(body);
    for (JsonNode child : m.path("manifests")) {
      manifest(layout, child, child.path("digest").asText());
    }
    if (m.has("config")) {
      blob(layout, m.path("config"));
    }
    for (JsonNode l : m.path("layers")) {
      blob(layout, l);
    }
    String what = "manifest " + target.repository() + ":" + reference;
    HttpResponse<byte[]> r =
        http.bytes(
            HttpRequest.newBuilder(http.uri(path("manifests/" + reference)))
                .header("Content-Type", type)
                .PUT(HttpRequest.BodyPublishers.ofByteArray(body)));
    RegistryHttp.expect(r, "push of " + what, 201, 200);
    tally = tally.plus(true, body.length);
  }

  private void blob(Path layout, JsonNode d) throws IOException {
    String digest = d.path("digest").asText();
    if (!done.add(digest)) {
      return;
    }
    Path file = blob(layout, digest);
    long size = Files.size(file);
    String what = "blob " + digest;
    HttpResponse<Void> head =
        http.discard(
            HttpRequest.newBuilder(http.uri(path("blobs/" + digest)))
                .method("HEAD", HttpRequest.BodyPublishers.noBody()));
    if (head.statusCode() == 200) {
      tally = tally.plus(false, size);
      return;
    }
    String start = path("blobs/uploads/");
    if (mountFrom != null && !mountFrom.equals(target.repository())) {
      start += "?mount=" + enc(digest) + "&from=" + enc(mountFrom);
    }
    HttpResponse<byte[]> post =
        http.bytes(
            HttpRequest.newBuilder(http.uri(start)).POST(HttpRequest.BodyPublishers.noBody()));
    if (post.statusCode() == 201) {
      tally = tally.plus(false, size);
      return;
    }
    RegistryHttp.expect(post, "push of " + what + ": starting the upload", 202);
    String location =
        post.headers()
            .firstValue("Location")
            .orElseThrow(() -> new IOException("push of " + what + ": no upload Location given"));
    URI upload = http.uri(location);
    String sep = upload.getRawQuery() == null ? "?" : "&";
    HttpResponse<byte[]> put =
        http.bytes(
            HttpRequest.newBuilder(URI.create(upload + sep + "digest=" + enc(digest)))
                .header("Content-Type", "application/octet-stream")
                .PUT(HttpRequest.BodyPublishers.ofFile(file)));
    RegistryHttp.expect(put, "push of " + what, 201, 204);
    tally = tally.plus(true, size);
  }

  private String path(String rest) {
    return "/v2/" + target.repository() + "/" + rest;
  }

  private static Path blob(Path layout, String digest) throws IOException {
    if (!digest.matches("sha256:[0-9a-f]{64}")) {
      throw new IOException("OCI layout " + layout + ": descriptor digest '" + digest + "'");
    }
    return layout.resolve("blobs/sha256/" + digest.substring(7));
  }

  private static String enc(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }
}
