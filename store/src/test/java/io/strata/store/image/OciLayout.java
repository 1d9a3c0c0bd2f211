package io.strata.store.image;

import io.strata.store.digest.Digest;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Writes an OCI image layout, as a directory, of one image whose layer blobs are given. */
public final class OciLayout {
  private OciLayout() {}

  /**
   * One layer: its blob as the manifest names it, and the tar it holds.
   *
   * @param tar the layer's uncompressed tar (its diff_id is the tar's digest)
   * @param blob the blob: the tar itself or a compression of it
   * @param mediaType the blob's media type in the manifest
   */
  public record Layer(byte[] tar, byte[] blob, String mediaType) {}

  /**
   * A new directory {@code dir} holding an OCI layout of one image, ref name {@code refName}, whose
   * layers are {@code layers}, bottom first; returns {@code dir}.
   */
  public static Path write(Path dir, String refName, List<Layer> layers) throws IOException {
    Files.createDirectories(dir.resolve("blobs/sha256"));
    List<String> diffIds = new ArrayList<>();
    List<String> descriptors = new ArrayList<>();
    for (Layer l : layers) {
      diffIds.add("\"" + Digest.sha256(l.tar(), 0, l.tar().length) + "\"");
      descriptors.add(descriptor(l.mediaType(), put(dir, l.blob()), l.blob().length));
    }
    byte[] config =
        ("{\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":{},\"rootfs\":{\"type\":"
                + "\"layers\",\"diff_ids\":["
                + String.join(",", diffIds)
                + "]}}")
            .getBytes(StandardCharsets.UTF_8);
    byte[] manifest =
        ("{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
                + "\"config\":"
                + descriptor(
                    "application/vnd.oci.image.config.v1+json", put(dir, config), config.length)
                + ",\"layers\":["
                + String.join(",", descriptors)
                + "]}")
            .getBytes(StandardCharsets.UTF_8);
    String m = put(dir, manifest);
    Files.writeString(dir.resolve("oci-layout"), "{\"imageLayoutVersion\":\"1.0.0\"}");
    Files.writeString(
        dir.resolve("index.json"),
        "{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":"
            + "\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\""
            + m
            + "\",\"size\":"
            + manifest.length
            + ",\"annotations\":{\"org.opencontainers.image.ref.name\":\""
            + refName
            + "\"}}]}");
    return dir;
  }

  /** The digest of the manifest the layout's index lists first. */
  public static String manifestDigest(Path dir) throws IOException {
    String index = Files.readString(dir.resolve("index.json"));
    int at = index.indexOf("sha256:");
    return index.substring(at, at + 71);
  }

  private static String descriptor(String mediaType, String digest, long size) {
    return "{\"mediaType\":\""
        + mediaType
        + "\",\"digest\":\""
        + digest
        + "\",\"size\":"
        + size
        + "}";
  }

  private static String put(Path dir, byte[] b) throws IOException {
    Digest d = Digest.sha256(b, 0, b.length);
    Files.write(dir.resolve("blobs/sha256/" + d.hex()), b);
    return d.toString();
  }
}
