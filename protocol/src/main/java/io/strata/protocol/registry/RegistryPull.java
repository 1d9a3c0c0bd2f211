package io.strata.protocol.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * Fetches an image from a registry into an OCI layout: the manifest (for an index, the image for
 * linux/amd64, else its first), its config and layers, each streamed to a file and checked against
 * its digest before it is kept. What the layout then holds is imported as any OCI layout.
 */
public final class RegistryPull {
  private static final ObjectMapper MAPPER = new ObjectMapper();

  /**
   * The largest manifest read (a registry's own limit, 4 MiB): the pull runs in the server for a
   * build, where a registry must not choose how much memory it takes.
   */
  static final int MAX_MANIFEST = 4 << 20;

  private final RegistryHttp http;
  private final RegistryRef source;
  private Tally tally = new Tally(0, 0, 0, 0);
  private String namedDigest;

  /**
   * Which layers the store this pull feeds holds already, with the manifest's very blobs: those are
   * not fetched ({@link #leftOut}), as Docker's pull says "Already exists".
   */
  @FunctionalInterface
  public interface Held {
    /**
     * For each layer (the config's {@code diffIds}, the manifest's {@code digests}, bottom first),
     * whether the store holds it with that blob; null when it cannot say (fetch everything).
     */
    List<Boolean> held(List<String> diffIds, List<String> digests) throws IOException;
  }

  private Held held = (diffIds, digests) -> null;
  private final List<String> leftOut = new ArrayList<>();

  /** Leaves out of the layout the layer blobs {@code held} says the store holds. */
  public RegistryPull leaving(Held held) {
    this.held = held;
    return this;
  }

  /** After {@link #pull}: the layer blobs it left out of the layout, as the store held them. */
  public List<String> leftOut() {
    return List.copyOf(leftOut);
  }

  public RegistryPull(RegistryHttp http, RegistryRef source) {
    this.http = http;
    this.source = source;
  }

  /** How far a pull is: what its blobs weigh, then the bytes as they arrive. */
  public interface Progress {
    /** Does nothing. */
    Progress NONE =
        new Progress() {
          @Override
          public void start(long bytesToFetch) {}

          @Override
          public void received(long bytes) {}
        };

    /** The manifest is read: its config and layers weigh {@code bytesToFetch}. */
    void start(long bytesToFetch);

    /** {@code bytes} more of them arrived. */
    void received(long bytes);
  }

  /** Writes the image into the (empty) directory {@code layout}; returns what crossed the wire. */
  public Tally pull(Path layout) throws IOException {
    return pull(layout, Progress.NONE);
  }

  /** {@link #pull(Path)}, telling {@code progress} how far it is. */
  public Tally pull(Path layout, Progress progress) throws IOException {
    Files.createDirectories(layout.resolve("blobs/sha256"));
    Manifest m = manifest(source.reference());
    namedDigest = m.digest;
    JsonNode doc = MAPPER.readTree(m.body);
    if (doc.has("manifests")) {
      JsonNode pick = doc.path("manifests").path(0);
      for (JsonNode c : doc.path("manifests")) {
        JsonNode p = c.path("platform");
        if (p.path("os").asText().equals("linux")
            && p.path("architecture").asText().equals("amd64")) {
          pick = c;
          break;
        }
      }
      if (pick.isMissingNode()) {
        throw new IOException("image " + source + ": its index lists no image");
      }
      m = manifest(pick.path("digest").asText());
      doc = MAPPER.readTree(m.body);
    }
    long weight = doc.path("config").path("size").asLong(0);
    for (JsonNode l : doc.path("layers")) {
      weight += l.path("size").asLong(0);
    }
    progress.start(weight);
    List<Boolean> have = null;
    if (doc.has("config")) {
      String config = doc.path("config").path("digest").asText();
      fetch(layout, config, progress);
      have = held(layout.resolve("blobs/sha256/" + config.substring(7)), doc.path("layers"));
    }
    int i = 0;
    for (JsonNode l : doc.path("layers")) {
      String digest = l.path("digest").asText();
      boolean isHeld = have != null && have.get(i);
      i++;
      if (isHeld) {
        if (!leftOut.contains(digest)) { // a blob listed twice counts once, as a fetch does
          leftOut.add(digest);
          long size = l.path("size").asLong(0);
          tally = tally.plus(false, size);
          progress.received(size);
        }
        continue;
      }
      fetch(layout, digest, progress);
    }
    Files.write(layout.resolve("blobs/sha256/" + m.digest.substring(7)), m.body);
    ObjectNode index = MAPPER.createObjectNode().put("schemaVersion", 2);
    index
        .putArray("manifests")
        .addObject()
        .put("mediaType", m.type)
        .put("digest", m.digest)
        .put("size", m.body.length);
    Files.write(layout.resolve("index.json"), MAPPER.writeValueAsBytes(index));
    Files.writeString(layout.resolve("oci-layout"), "{\"imageLayoutVersion\":\"1.0.0\"}");
    return tally;
  }

  /**
   * After {@link #pull}: {@code registry/repository@digest} of what the reference named (for a
   * multi-platform image, its index): what the image's {@code RepoDigests} lists for that
   * repository, as docker's do.
   */
  public String pulledAs() {
    if (namedDigest == null) {
      throw new IllegalStateException("nothing pulled yet");
    }
    return source.registry() + "/" + source.repository() + "@" + namedDigest;
  }

  private record Manifest(byte[] body, String type, String digest) {}

  private Manifest manifest(String reference) throws IOException {
    String what = "manifest " + source.repository() + ":" + reference;
    HttpResponse<InputStream> r =
        http.stream(
            HttpRequest.newBuilder(
                    http.uri("/v2/" + source.repository() + "/manifests/" + reference))
                .header("Accept", RegistryHttp.ACCEPT_MANIFESTS)
                .GET());
    RegistryHttp.expect(r, "pull of " + what, 200);
    byte[] body;
    try (InputStream in = http.body(r, what)) {
      body = in.readNBytes(MAX_MANIFEST + 1);
    }
    if (body.length > MAX_MANIFEST) {
      throw new IOException(
          "pull of " + what + ": larger than " + MAX_MANIFEST + " bytes, which no manifest is");
    }
    String digest = "sha256:" + HexFormat.of().formatHex(sha256().digest(body));
    if (reference.startsWith("sha256:") && !reference.equals(digest)) {
      throw new IOException("pull of " + what + ": content has digest " + digest);
    }
    String type =
        r.headers()
            .firstValue("Content-Type")
            .map(t -> t.split(";")[0].trim())
            .orElse(MAPPER.readTree(body).path("mediaType").asText(""));
    tally = tally.plus(true, body.length);
    return new Manifest(body, type, digest);
  }

  private void fetch(Path layout, String digest, Progress progress) throws IOException {
    if (!digest.matches("sha256:[0-9a-f]{64}")) {
      throw new IOException("image " + source + ": descriptor digest '" + digest + "'");
    }
    Path file = layout.resolve("blobs/sha256/" + digest.substring(7));
    if (Files.exists(file)) {
      return;
    }
    HttpResponse<InputStream> r =
        http.stream(
            HttpRequest.newBuilder(http.uri("/v2/" + source.repository() + "/blobs/" + digest))
                .GET());
    RegistryHttp.expect(r, "pull of blob " + digest, 200);
    MessageDigest sha = sha256();
    Path partial = file.resolveSibling(file.getFileName() + ".partial");
    long n;
    try (InputStream in = new DigestInputStream(http.body(r, "blob " + digest), sha);
        OutputStream out = Files.newOutputStream(partial)) {
      n = copy(in, out, progress);
    }
    String got = "sha256:" + HexFormat.of().formatHex(sha.digest());
    if (!got.equals(digest)) {
      Files.deleteIfExists(partial);
      throw new IOException("pull of blob " + digest + ": content has digest " + got);
    }
    Files.move(partial, file);
    tally = tally.plus(true, n);
  }

  /**
   * What {@link #held} says of the layers {@code layers} of the image whose config is the file
   * {@code config}; null when it cannot say, or the config's diff_ids do not pair with the layers
   * (the import then refuses the image in its own words).
   */
  private List<Boolean> held(Path config, JsonNode layers) throws IOException {
    JsonNode diffIds = MAPPER.readTree(Files.readAllBytes(config)).path("rootfs").path("diff_ids");
    if (!diffIds.isArray() || diffIds.size() != layers.size() || layers.isEmpty()) {
      return null;
    }
    List<String> ids = new ArrayList<>();
    List<String> digests = new ArrayList<>();
    for (int i = 0; i < layers.size(); i++) {
      String id = diffIds.get(i).asText();
      String digest = layers.get(i).path("digest").asText();
      if (!id.matches("sha256:[0-9a-f]{64}") || !digest.matches("sha256:[0-9a-f]{64}")) {
        return null;
      }
      ids.add(id);
      digests.add(digest);
    }
    List<Boolean> have = held.held(ids, digests);
    return have != null && have.size() == ids.size() ? have : null;
  }

  private static long copy(InputStream in, OutputStream out, Progress progress) throws IOException {
    byte[] buf = new byte[64 << 10];
    long n = 0;
    for (int r; (r = in.read(buf)) > 0; ) {
      out.write(buf, 0, r);
      n += r;
      progress.received(r);
    }
    return n;
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing", e);
    }
  }
}
