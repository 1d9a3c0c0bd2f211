package io.strata.server;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

/** Small tars made in memory for image tests: plain layers, hostile ones, docker-save archives. */
public final class Tars {
  private Tars() {}

  /**
   * 80 files under {@code srv/data/}, half text and half random, about 8 MiB, made from {@code
   * seed}; every 4th of the first {@code 4 * edited} ends with a line "edited in v2".
   */
  public static Map<String, byte[]> textAndRandomFiles(long seed, int edited) {
    Random r = new Random(seed);
    Map<String, byte[]> files = new LinkedHashMap<>();
    StringBuilder words = new StringBuilder();
    byte[] line = "edited in v2\n".getBytes(StandardCharsets.US_ASCII);
    for (int i = 0; i < 80; i++) {
      byte[] data;
      if (i % 2 == 0) {
        words.setLength(0);
        while (words.length() < 150_000) {
          words.append("word").append(r.nextInt(5000)).append(r.nextInt(9) == 0 ? '\n' : ' ');
        }
        data = words.toString().getBytes(StandardCharsets.US_ASCII);
      } else {
        data = new byte[50_000 + r.nextInt(150_000)];
        r.nextBytes(data);
      }
      if (i < edited * 4 && i % 4 == 0) {
        byte[] more = Arrays.copyOf(data, data.length + line.length);
        System.arraycopy(line, 0, more, data.length, line.length);
        data = more;
      }
      files.put("srv/data/file" + i, data);
    }
    return files;
  }

  /** A tar of regular files, in the order given (names are taken as they are, {@code ..} too). */
  public static byte[] of(Map<String, byte[]> files) throws IOException {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    try (TarArchiveOutputStream t = new TarArchiveOutputStream(b, "UTF-8")) {
      t.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
      for (Map.Entry<String, byte[]> f : files.entrySet()) {
        TarArchiveEntry e = new TarArchiveEntry(f.getKey(), true);
        e.setSize(f.getValue().length);
        e.setMode(0644);
        // A fixed time: the same files give the same bytes, hence the same digest.
        e.setModTime(1_700_000_000_000L);
        t.putArchiveEntry(e);
        t.write(f.getValue());
        t.closeArchiveEntry();
      }
    }
    return b.toByteArray();
  }

  /** A one-file tar. */
  public static byte[] of(String name, String content) throws IOException {
    return of(Map.of(name, content.getBytes(StandardCharsets.UTF_8)));
  }

  /** {@code sha256:} and the hex digest of {@code b}. */
  public static String sha256(byte[] b) {
    try {
      return "sha256:" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * A legacy {@code docker save} archive of one image with the single layer {@code layer}, tagged
   * {@code repoTag}, as {@code docker save} writes it by hand.
   */
  public static byte[] dockerSave(byte[] layer, String repoTag) throws IOException {
    String config =
        "{\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":{},"
            + "\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\""
            + sha256(layer)
            + "\"]}}";
    byte[] configBytes = config.getBytes(StandardCharsets.UTF_8);
    String configName = sha256(configBytes).substring(7) + ".json";
    String manifest =
        "[{\"Config\":\""
            + configName
            + "\",\"RepoTags\":[\""
            + repoTag
            + "\"],\"Layers\":[\"l1/layer.tar\"]}]";
    Map<String, byte[]> files = new LinkedHashMap<>();
    files.put("l1/layer.tar", layer);
    files.put(configName, configBytes);
    files.put("manifest.json", manifest.getBytes(StandardCharsets.UTF_8));
    return of(files);
  }

  private static String putBlob(Path layout, byte[] b) throws IOException {
    String d = Tars.sha256(b);
    Files.write(layout.resolve("blobs/sha256/" + d.substring(7)), b);
    return d;
  }

  /**
   * Writes at {@code l} an OCI layout tagged 1 whose one layer is {@code gz}, the gzip of {@code
   * tar}; returns {@code l}.
   */
  public static Path gzipLayout(Path l, byte[] tar, byte[] gz) throws IOException {
    return gzipLayout(l, List.of(tar), List.of(gz));
  }

  /**
   * Writes at {@code l} an OCI layout tagged 1 whose layers are {@code gzs}, the gzips of {@code
   * tars}.
   */
  public static Path gzipLayout(Path l, List<byte[]> tars, List<byte[]> gzs) throws IOException {
    return layout(l, tars, gzs, "application/vnd.oci.image.layer.v1.tar+gzip");
  }

  /** Writes at {@code l} an OCI layout tagged 1 whose one layer is {@code tar}, uncompressed. */
  public static Path plainLayout(Path l, byte[] tar) throws IOException {
    return layout(l, List.of(tar), List.of(tar), "application/vnd.oci.image.layer.v1.tar");
  }

  /**
   * Writes at {@code l} an OCI layout tagged 1 whose layers are {@code blobs} of {@code mediaType},
   * the blobs of {@code tars}.
   */
  private static Path layout(Path l, List<byte[]> tars, List<byte[]> blobs, String mediaType)
      throws IOException {
    Files.createDirectories(l.resolve("blobs/sha256"));
    StringBuilder diffIds = new StringBuilder();
    StringBuilder layers = new StringBuilder();
    for (int i = 0; i < tars.size(); i++) {
      String sep = i == 0 ? "" : ",";
      diffIds.append(sep).append('"').append(sha256(tars.get(i))).append('"');
      layers
          .append(sep)
          .append("{\"mediaType\":\"")
          .append(mediaType)
          .append("\",\"digest\":\"")
          .append(putBlob(l, blobs.get(i)))
          .append("\",\"size\":")
          .append(blobs.get(i).length)
          .append('}');
    }
    byte[] config =
        ("{\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":{},\"rootfs\":{\"type\":"
                + "\"layers\",\"diff_ids\":["
                + diffIds
                + "]}}")
            .getBytes(StandardCharsets.UTF_8);
    byte[] manifest =
        ("{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
                + "\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\","
                + "\"digest\":\""
                + putBlob(l, config)
                + "\",\"size\":"
                + config.length
                + "},\"layers\":["
                + layers
                + "]}")
            .getBytes(StandardCharsets.UTF_8);
    String m = putBlob(l, manifest);
    Files.writeString(l.resolve("oci-layout"), "{\"imageLayoutVersion\":\"1.0.0\"}");
    Files.writeString(
        l.resolve("index.json"),
        "{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":"
            + "\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\""
            + m
            + "\",\"size\":"
            + manifest.length
            + ",\"annotations\":{\"org.opencontainers.image.ref.name\":\"1\"}}]}");
    return l;
  }

  /**
   * Writes at {@code l} an OCI layout tagged 1 whose image is a multi-platform index listing the
   * one image of layout {@code image} (for linux/amd64), as registries serve most base images;
   * returns the index's digest.
   */
  public static String multiPlatformLayout(Path l, Path image) throws IOException {
    Files.createDirectories(l.resolve("blobs/sha256"));
    try (var blobs = Files.list(image.resolve("blobs/sha256"))) {
      for (Path b : blobs.toList()) {
        Files.copy(b, l.resolve("blobs/sha256").resolve(b.getFileName()));
      }
    }
    String index = Files.readString(image.resolve("index.json"));
    String m = index.replaceAll("(?s).*\"digest\":\"(sha256:[0-9a-f]{64})\".*", "$1");
    long size = Files.size(image.resolve("blobs/sha256/" + m.substring(7)));
    byte[] body =
        ("{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.index.v1+json\","
                + "\"manifests\":[{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
                + "\"digest\":\""
                + m
                + "\",\"size\":"
                + size
                + ",\"platform\":{\"architecture\":\"amd64\",\"os\":\"linux\"}}]}")
            .getBytes(StandardCharsets.UTF_8);
    String d = putBlob(l, body);
    Files.writeString(l.resolve("oci-layout"), "{\"imageLayoutVersion\":\"1.0.0\"}");
    Files.writeString(
        l.resolve("index.json"),
        "{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":"
            + "\"application/vnd.oci.image.index.v1+json\",\"digest\":\""
            + d
            + "\",\"size\":"
            + body.length
            + ",\"annotations\":{\"org.opencontainers.image.ref.name\":\"1\"}}]}");
    return d;
  }
}
