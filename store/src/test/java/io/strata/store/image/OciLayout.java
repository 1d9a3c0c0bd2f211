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
    List<String> diffIds = new ArrayList<>();
    for (Layer l : layers) {
      diffIds.add("\"" + Digest.sha256(l.tar(), 0, l.tar().length) + "\"");
    }
    byte[] config =
        ("{\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":{},\"rootfs\":{\"type\":"
                + "\"layers\",\"diff_ids\":["
                + String.join(",", diffIds)
                + "]}}")
            .getBytes(StandardCharsets.UTF_8);
    return write(dir, refName, config, layers);
  }

  /**
   * {@link #write(Path, String, List)} with {@code config} as the image's config, byte for byte:
   * the layout of an image another way of arriving made, with the same id.
   */
  public static Path write(Path dir, String refName, byte[] config, List<Layer> layers)
      throws IOException {
    Files.createDirectories(dir.resolve("blobs/sha256"));
    List<String> descriptors = new ArrayList<>();
    for (Layer l : layers) {
      descriptors.add(descriptor(l.mediaType(), put(dir, l.blob()), l.blob().length));
    }
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

  /**
   * Writes to {@code dir} a layout of image {@code ref} of {@code images} (one whose export has
   * uncompressed layers: imported from a tar or a directory) with its config byte for byte, so the
   * same image id, and its layers gzip-compressed, as a client copying and pushing it would; {@code
   * scratch} is a new directory for the export. Returns the manifest's digest.
   */
  public static String gzipCopy(ImageStore images, String ref, Path scratch, Path dir)
      throws IOException {
    images.exportLayout(ref, scratch);
    String manifest = Files.readString(blob(scratch, manifestDigest(scratch)));
    List<String> digests = new ArrayList<>();
    java.util.regex.Matcher m =
        java.util.regex.Pattern.compile("sha256:[0-9a-f]{64}").matcher(manifest);
    while (m.find()) {
      digests.add(m.group());
    }
    byte[] config = Files.readAllBytes(blob(scratch, digests.get(0)));
    List<Layer> layers = new ArrayList<>();
    for (String d : digests.subList(1, digests.size())) {
      byte[] tar = Files.readAllBytes(blob(scratch, d));
      java.io.ByteArrayOutputStream gz = new java.io.ByteArrayOutputStream();
      try (java.util.zip.GZIPOutputStream z = new java.util.zip.GZIPOutputStream(gz)) {
        z.write(tar);
      }
      layers.add(new Layer(tar, gz.toByteArray(), "application/vnd.oci.image.layer.v1.tar+gzip"));
    }
    write(dir, "1", config, layers);
    return manifestDigest(dir);
  }

  private static Path blob(Path layout, String digest) {
    return layout.resolve("blobs/sha256/" + digest.substring("sha256:".length()));
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
