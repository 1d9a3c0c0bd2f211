package io.strata.store.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.strata.store.digest.Digest;
import io.strata.store.error.InvalidArgumentException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * A manifest pushed to the registry, read for what the registry must know of it: its media type,
 * the blobs it needs (config and layers), the manifests it lists (an index), its subject and
 * artifact type.
 *
 * @param mediaType the media type it is stored and served with
 * @param blobs the blobs it references, which must be in the repository
 * @param children the manifests an index lists, which must be in the repository
 * @param children platforms, one {@code os/architecture} per child (same order)
 * @param subject the manifest it refers to, or null
 * @param artifactType its artifact type, or null
 * @param configType its config's media type, or null
 * @param annotations its annotations
 */
public record ManifestDocument(
    String mediaType,
    List<Digest> blobs,
    List<Digest> children,
    List<String> platforms,
    Digest subject,
    String artifactType,
    String configType,
    Map<String, String> annotations) {
  /** OCI image manifest. */
  public static final String OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";

  /** OCI image index. */
  public static final String OCI_INDEX = "application/vnd.oci.image.index.v1+json";

  /** Docker image manifest, schema 2. */
  public static final String DOCKER_MANIFEST =
      "application/vnd.docker.distribution.manifest.v2+json";

  /** Docker manifest list. */
  public static final String DOCKER_LIST =
      "application/vnd.docker.distribution.manifest.list.v2+json";

  /** Every manifest media type the registry stores. */
  public static final Set<String> TYPES =
      Set.of(OCI_MANIFEST, OCI_INDEX, DOCKER_MANIFEST, DOCKER_LIST);

  /** The config media types of images (as opposed to other artifacts). */
  public static final Set<String> IMAGE_CONFIGS =
      Set.of(
          "application/vnd.oci.image.config.v1+json",
          "application/vnd.docker.container.image.v1+json");

  /** The largest manifest accepted, as distribution's limit. */
  public static final int MAX_BYTES = 4 << 20;

  private static final ObjectMapper MAPPER = new ObjectMapper();

  public ManifestDocument {
    blobs = List.copyOf(blobs);
    children = List.copyOf(children);
    platforms = List.copyOf(platforms);
    annotations = Map.copyOf(annotations);
  }

  /** Whether it lists other manifests. */
  public boolean isIndex() {
    return mediaType.equals(OCI_INDEX) || mediaType.equals(DOCKER_LIST);
  }

  /** Whether it is a container image (and can become a Strata image). */
  public boolean isImage() {
    return !isIndex() && configType != null && IMAGE_CONFIGS.contains(configType);
  }

  /**
   * Reads {@code body}, sent with content type {@code contentType} (null or empty: the body's own
   * {@code mediaType}). Refused with {@link InvalidArgumentException} naming {@code what} for what
   * is no manifest the registry stores. For manifests already stored (their type was checked by
   * {@link #pushed}) and for those other registries serve; a push is read by {@link #pushed}.
   */
  public static ManifestDocument parse(byte[] body, String contentType, String what) {
    JsonNode root = tree(body, what);
    String own = root.path("mediaType").asText("");
    // a client that sends no manifest type (or a generic one) means the body's own
    String sent = contentType == null ? "" : baseType(contentType);
    String type = TYPES.contains(sent) ? sent : own;
    if (type.isEmpty()) {
      type = root.has("manifests") ? OCI_INDEX : OCI_MANIFEST;
    }
    return read(root, own, type, what);
  }

  /**
   * Reads {@code body}, pushed to the registry with content type {@code contentType}, refusing
   * (with {@link InvalidArgumentException} naming {@code what}, in one sentence) what Debian's
   * docker-registry (distribution 2.8) refuses as {@code MANIFEST_INVALID}: a content type that is
   * none of {@link #TYPES} (missing, {@code application/json}, {@code text/plain}: distribution
   * reads those as schema 1, which it then refuses), a body whose {@code mediaType} is not that
   * type, a Docker manifest or list without its {@code mediaType} (OCI leaves it optional), an
   * index with a {@code config} or {@code layers} and a manifest with {@code manifests}. So the
   * type a manifest is stored and served with follows from its bytes: the same bytes can never be
   * stored as two types (distribution checks the shapes of OCI types only; a Docker list with a
   * {@code config} is no list either).
   */
  public static ManifestDocument pushed(byte[] body, String contentType, String what) {
    String type = contentType == null ? "" : baseType(contentType).toLowerCase(Locale.ROOT);
    if (type.isEmpty()) {
      throw new InvalidArgumentException(
          what + ": sent without a Content-Type; a manifest is pushed with its media type");
    }
    if (!TYPES.contains(type)) {
      throw new InvalidArgumentException(
          what
              + ": Content-Type "
              + type
              + " is no manifest type this registry stores (OCI image manifest or index, Docker"
              + " schema 2 manifest or manifest list)");
    }
    JsonNode root = tree(body, what);
    String own = root.path("mediaType").asText("");
    boolean index = type.equals(OCI_INDEX) || type.equals(DOCKER_LIST);
    if (own.isEmpty() && (type.equals(DOCKER_MANIFEST) || type.equals(DOCKER_LIST))) {
      String says = "sent as " + type + " but has no mediaType, which a Docker " + kind(type);
      throw new InvalidArgumentException(what + ": " + says + " must carry");
    }
    if (index && (root.hasNonNull("config") || root.hasNonNull("layers"))) {
      String says = "sent as an index (" + type + ") but has the config or layers of a manifest";
      throw new InvalidArgumentException(what + ": " + says);
    }
    if (!index && root.hasNonNull("manifests")) {
      String says = "sent as an image manifest (" + type + ") but lists manifests, as an index";
      throw new InvalidArgumentException(what + ": " + says);
    }
    return read(root, own, type, what);
  }

  private static String kind(String type) {
    return type.equals(DOCKER_LIST) ? "manifest list" : "manifest";
  }

  private static JsonNode tree(byte[] body, String what) {
    JsonNode root;
    try {
      root = MAPPER.readTree(body);
    } catch (IOException e) {
      throw new InvalidArgumentException(what + ": not JSON", e);
    }
    if (root == null || !root.isObject()) {
      throw new InvalidArgumentException(what + ": not a JSON object");
    }
    return root;
  }

  /** What {@code root} says, read as a manifest of {@code type}; {@code own}: its mediaType. */
  private static ManifestDocument read(JsonNode root, String own, String type, String what) {
    if (root.path("schemaVersion").asInt(-1) != 2) {
      throw new InvalidArgumentException(what + ": schemaVersion is not 2");
    }
    if (!TYPES.contains(type)) {
      throw new InvalidArgumentException(what + ": media type " + type + " is not a manifest");
    }
    if (!own.isEmpty() && !own.equals(type)) {
      throw new InvalidArgumentException(
          what + ": its mediaType " + own + " disagrees with its Content-Type " + type);
    }
    List<Digest> blobs = new ArrayList<>();
    List<Digest> children = new ArrayList<>();
    List<String> platforms = new ArrayList<>();
    String configType = null;
    boolean index = type.equals(OCI_INDEX) || type.equals(DOCKER_LIST);
    if (index) {
      for (JsonNode m : array(root, "manifests", what)) {
        children.add(descriptorDigest(m, what));
        JsonNode p = m.path("platform");
        platforms.add(p.path("os").asText("") + "/" + p.path("architecture").asText(""));
      }
    } else {
      JsonNode config = root.path("config");
      if (!config.isObject()) {
        throw new InvalidArgumentException(what + ": has no config descriptor");
      }
      blobs.add(descriptorDigest(config, what));
      configType = config.path("mediaType").asText(null);
      for (JsonNode l : array(root, "layers", what)) {
        blobs.add(descriptorDigest(l, what));
      }
    }
    Digest subject = root.has("subject") ? descriptorDigest(root.path("subject"), what) : null;
    String artifactType = root.path("artifactType").asText(null);
    if (artifactType == null
        && !index
        && configType != null
        && !IMAGE_CONFIGS.contains(configType)) {
      artifactType = configType;
    }
    Map<String, String> annotations = new LinkedHashMap<>();
    root.path("annotations")
        .properties()
        .forEach(e -> annotations.put(e.getKey(), e.getValue().asText()));
    return new ManifestDocument(
        type, blobs, children, platforms, subject, artifactType, configType, annotations);
  }

  /** {@code application/x; charset=...} without its parameters. */
  static String baseType(String contentType) {
    int semi = contentType.indexOf(';');
    return (semi < 0 ? contentType : contentType.substring(0, semi)).trim();
  }

  private static Iterable<JsonNode> array(JsonNode root, String field, String what) {
    JsonNode a = root.path(field);
    if (a.isMissingNode()) {
      return List.of();
    }
    if (!a.isArray()) {
      throw new InvalidArgumentException(what + ": " + field + " is not an array");
    }
    return a;
  }

  private static Digest descriptorDigest(JsonNode d, String what) {
    String text = d.path("digest").asText("");
    if (!Names.isDigest(text)) {
      throw new InvalidArgumentException(what + ": descriptor digest '" + text + "' is not sha256");
    }
    if (d.path("size").asLong(-1) < 0) {
      throw new InvalidArgumentException(what + ": descriptor " + text + " has no size");
    }
    return Digest.parse(text);
  }
}
