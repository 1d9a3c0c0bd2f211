package io.strata.store.image.archive;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.strata.store.digest.Digest;
import io.strata.store.error.InvalidArgumentException;
import io.strata.store.error.NotFoundException;
import io.strata.store.image.layer.JsonCodec;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * The images an archive holds, read from a docker-save {@code manifest.json} or an OCI {@code
 * index.json}: each image's config (checked against its digest) and its layer blobs in order with
 * the digests to check them against while they stream.
 */
public final class ArchiveImages {
  static final String MANIFEST_OCI = "application/vnd.oci.image.manifest.v1+json";
  static final String INDEX_OCI = "application/vnd.oci.image.index.v1+json";
  static final String MANIFEST_DOCKER = "application/vnd.docker.distribution.manifest.v2+json";
  static final String LIST_DOCKER = "application/vnd.docker.distribution.manifest.list.v2+json";
  static final String REF_NAME = "org.opencontainers.image.ref.name";
  static final String IMAGE_NAME = "io.containerd.image.name";
  private static final int MAX_JSON = 4 << 20;

  private ArchiveImages() {}

  /**
   * A layer blob.
   *
   * @param name its file in the archive
   * @param digest the digest its bytes must have, or null when the archive does not say
   * @param mediaType its media type in the manifest, or null (docker-archive)
   * @param size the length its descriptor gives, or -1 when the archive does not say
   */
  record Blob(String name, Digest digest, String mediaType, long size) {}

  /**
   * One image of the archive.
   *
   * @param config its config, verified
   * @param layers its layer blobs, bottom first
   * @param tags the tags the archive gives it, each as the tag check gave it back
   * @param manifest its manifest as the archive holds it (verified), or null (docker-archive)
   * @param manifestType the manifest's media type, or null
   */
  public record Image(
      byte[] config, List<Blob> layers, List<String> tags, byte[] manifest, String manifestType) {}

  /**
   * The images of {@code src}: all of them, or with {@code select} the OCI layout's images of that
   * ref name. {@code tagCheck} gives back a tag the archive names in its normal form or throws
   * {@link InvalidArgumentException} for one that is no {@code repository:tag}: a docker archive's
   * bad tag refuses the archive, an OCI annotation that is none gives no tag.
   */
  static List<Image> read(
      ArchiveSource src, String select, String what, UnaryOperator<String> tagCheck)
      throws IOException {
    return src.has("manifest.json")
        ? docker(src, what, tagCheck)
        : oci(src, select, what, tagCheck);
  }

  private static List<Image> docker(ArchiveSource src, String what, UnaryOperator<String> tagCheck)
      throws IOException {
    JsonNode manifest =
        JsonCodec.read(
            src.read("manifest.json", MAX_JSON), JsonNode.class, what + " manifest.json");
    if (!manifest.isArray() || manifest.isEmpty()) {
      throw new InvalidArgumentException(what + ": manifest.json lists no images");
    }
    List<Image> out = new ArrayList<>();
    for (JsonNode m : manifest) {
      String configName = m.path("Config").asText("");
      byte[] config = src.read(configName, MAX_JSON);
      Digest named = digestInName(configName);
      if (named != null) {
        check(config, named, what + " config " + configName);
      }
      List<Blob> layers = new ArrayList<>();
      for (JsonNode l : m.path("Layers")) {
        layers.add(new Blob(l.asText(), digestInName(l.asText()), null, -1));
      }
      List<String> tags = new ArrayList<>();
      for (JsonNode t : m.path("RepoTags")) {
        tags.add(tagCheck.apply(t.asText()));
      }
      out.add(new Image(config, layers, tags, null, null));
    }
    return out;
  }

  private static List<Image> oci(
      ArchiveSource src, String select, String what, UnaryOperator<String> tagCheck)
      throws IOException {
    if (src.has("oci-layout")) {
      JsonNode layout =
          JsonCodec.read(src.read("oci-layout", MAX_JSON), JsonNode.class, what + " oci-layout");
      String v = layout.path("imageLayoutVersion").asText("");
      if (!v.startsWith("1.")) {
        throw new InvalidArgumentException(what + ": unsupported imageLayoutVersion '" + v + "'");
      }
    }
    ObjectNode index = JsonCodec.object(src.read("index.json", MAX_JSON), what + " index.json");
    List<Image> out = new ArrayList<>();
    manifests(src, index, select, what, tagCheck, out, 0);
    if (out.isEmpty()) {
      throw new NotFoundException(
          what + ": no image " + (select == null ? "in index.json" : "tagged " + select));
    }
    return out;
  }

  private static void manifests(
      ArchiveSource src,
      JsonNode index,
      String select,
      String what,
      UnaryOperator<String> tagCheck,
      List<Image> out,
      int depth)
      throws IOException {
    for (JsonNode d : index.path("manifests")) {
      String type = d.path("mediaType").asText("");
      String refName = d.path("annotations").path(REF_NAME).asText(null);
      String imageName = d.path("annotations").path(IMAGE_NAME).asText(null);
      if (depth == 0 && select != null && !select.equals(refName)) {
        continue;
      }
      byte[] body = blob(src, d, what);
      if ((type.equals(INDEX_OCI) || type.equals(LIST_DOCKER)) && depth < 4) {
        manifests(
            src, JsonCodec.object(body, what + " index"), null, what, tagCheck, out, depth + 1);
        continue;
      }
      if (!type.equals(MANIFEST_OCI) && !type.equals(MANIFEST_DOCKER)) {
        continue;
      }
      ObjectNode manifest = JsonCodec.object(body, what + " manifest " + d.path("digest").asText());
      byte[] config = blob(src, manifest.path("config"), what);
      List<Blob> layers = new ArrayList<>();
      for (JsonNode l : manifest.path("layers")) {
        Digest dg = Digest.parse(l.path("digest").asText(""));
        layers.add(
            new Blob(
                "blobs/sha256/" + dg.hex(),
                dg,
                l.path("mediaType").asText(null),
                descriptorSize(l, dg, what)));
      }
      List<String> tags = new ArrayList<>();
      String full = imageName != null ? imageName : refName;
      if (depth == 0 && full != null && (full.contains(":") || full.contains("/"))) {
        try {
          tags.add(tagCheck.apply(full));
        } catch (InvalidArgumentException e) {
          // an annotation that is no repository:tag gives no tag
        }
      }
      out.add(new Image(config, layers, tags, body, type));
    }
  }

  /** A small blob named by descriptor {@code d}, checked against its digest and size. */
  private static byte[] blob(ArchiveSource src, JsonNode d, String what) throws IOException {
    Digest digest = Digest.parse(d.path("digest").asText(""));
    byte[] b = src.read("blobs/sha256/" + digest.hex(), MAX_JSON);
    check(b, digest, what + " blob " + digest);
    long size = descriptorSize(d, digest, what);
    if (size != b.length) {
      throw new InvalidArgumentException(
          what + " blob " + digest + ": " + b.length + " bytes, its descriptor says " + size);
    }
    return b;
  }

  /**
   * The size descriptor {@code d} of blob {@code digest} gives: required by the OCI image spec, and
   * a count of bytes, so a missing, fractional or negative one is refused naming the blob.
   */
  private static long descriptorSize(JsonNode d, Digest digest, String what) {
    JsonNode size = d.path("size");
    if (!size.canConvertToExactIntegral() || !size.canConvertToLong() || size.asLong() < 0) {
      throw new InvalidArgumentException(
          what
              + " blob "
              + digest
              + ": descriptor size "
              + (size.isMissingNode() ? "missing" : size.toString())
              + " is not a byte count");
    }
    return size.asLong();
  }

  private static void check(byte[] b, Digest expected, String what) {
    Digest got = Digest.sha256(b, 0, b.length);
    if (!got.equals(expected)) {
      throw new InvalidArgumentException(what + ": has digest " + got + ", expected " + expected);
    }
  }

  /**
   * The digest a docker-archive file name carries ({@code <hex>.json}, {@code blobs/sha256/<hex>}).
   */
  private static Digest digestInName(String name) {
    String base = name.substring(name.lastIndexOf('/') + 1);
    if (base.endsWith(".json")) {
      base = base.substring(0, base.length() - 5);
    }
    if (name.startsWith("blobs/sha256/") || name.endsWith(".json")) {
      if (base.matches("[0-9a-f]{64}")) {
        return Digest.parse(base);
      }
    }
    return null;
  }
}
