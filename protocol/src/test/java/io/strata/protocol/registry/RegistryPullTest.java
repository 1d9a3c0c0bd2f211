package io.strata.protocol.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A pull into an OCI layout against a small registry served by the JDK's HTTP server: every blob
 * arrives checked, the progress hears the manifest's weight and then every byte, and a blob whose
 * bytes are not its digest is refused and not kept.
 */
@Timeout(30)
class RegistryPullTest {
  @TempDir Path dir;

  private static String sha256(byte[] b) throws Exception {
    return "sha256:" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
  }

  /** Serves {@code blobs} (path to bytes) on loopback until closed. */
  private static HttpServer serve(Map<String, byte[]> blobs) throws IOException {
    HttpServer s = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    s.createContext(
        "/v2/",
        x -> {
          byte[] b = blobs.get(x.getRequestURI().getPath());
          if (b == null) {
            x.sendResponseHeaders(404, -1);
          } else {
            if (x.getRequestURI().getPath().contains("/manifests/")) {
              x.getResponseHeaders()
                  .add("Content-Type", "application/vnd.oci.image.manifest.v1+json");
            }
            x.sendResponseHeaders(200, b.length);
            try (OutputStream out = x.getResponseBody()) {
              out.write(b);
            }
          }
          x.close();
        });
    s.start();
    return s;
  }

  private record Image(Map<String, byte[]> blobs, String layer, long weight) {}

  private static Image image(byte[] layerServed) throws Exception {
    byte[] layer = new byte[300_000];
    new Random(7).nextBytes(layer);
    byte[] config = "{\"rootfs\":{}}".getBytes(StandardCharsets.UTF_8);
    String ld = sha256(layer);
    String cd = sha256(config);
    byte[] manifest =
        ("{\"schemaVersion\":2,\"config\":{\"digest\":\""
                + cd
                + "\",\"size\":"
                + config.length
                + "},\"layers\":[{\"digest\":\""
                + ld
                + "\",\"size\":"
                + layer.length
                + "}]}")
            .getBytes(StandardCharsets.UTF_8);
    Map<String, byte[]> blobs = new HashMap<>();
    blobs.put("/v2/team/app/manifests/1", manifest);
    blobs.put("/v2/team/app/blobs/" + cd, config);
    blobs.put("/v2/team/app/blobs/" + ld, layerServed == null ? layer : layerServed);
    return new Image(blobs, ld, config.length + layer.length);
  }

  @Test
  void everyBlobArrivesCheckedAndTheProgressHearsEachByte() throws Exception {
    Image im = image(null);
    HttpServer s = serve(im.blobs());
    try {
      String reg = "127.0.0.1:" + s.getAddress().getPort();
      long[] seen = new long[2];
      Tally t =
          new RegistryPull(
                  new RegistryHttp(reg, true, null), RegistryRef.parse(reg + "/team/app:1"))
              .pull(
                  dir.resolve("oci"),
                  new RegistryPull.Progress() {
                    @Override
                    public void start(long bytesToFetch) {
                      seen[0] = bytesToFetch;
                    }

                    @Override
                    public void received(long bytes) {
                      seen[1] += bytes;
                    }
                  });
      assertThat(seen[0]).as("the manifest's weight").isEqualTo(im.weight());
      assertThat(seen[1]).as("every byte of config and layer").isEqualTo(im.weight());
      assertThat(t.blobsSent()).isEqualTo(3);
      Path layer = dir.resolve("oci/blobs/sha256/" + im.layer().substring(7));
      assertThat(sha256(Files.readAllBytes(layer))).isEqualTo(im.layer());
      assertThat(dir.resolve("oci/index.json")).exists();
    } finally {
      s.stop(0);
    }
  }

  @Test
  void aManifestLargerThanAnyIsRefusedWithoutReadingItWhole() throws Exception {
    Map<String, byte[]> blobs = new HashMap<>();
    byte[] huge = new byte[RegistryPull.MAX_MANIFEST + 10];
    java.util.Arrays.fill(huge, (byte) ' ');
    blobs.put("/v2/team/app/manifests/1", huge);
    HttpServer s = serve(blobs);
    try {
      String reg = "127.0.0.1:" + s.getAddress().getPort();
      assertThatThrownBy(
              () ->
                  new RegistryPull(
                          new RegistryHttp(reg, true, null), RegistryRef.parse(reg + "/team/app:1"))
                      .pull(dir.resolve("oci")))
          .isInstanceOf(IOException.class)
          .hasMessage(
              "pull of manifest team/app:1: larger than "
                  + RegistryPull.MAX_MANIFEST
                  + " bytes, which no manifest is");
    } finally {
      s.stop(0);
    }
  }

  @Test
  void aBlobWhoseBytesAreNotItsDigestIsRefusedAndNotKept() throws Exception {
    byte[] lie = new byte[300_000];
    Image im = image(lie);
    HttpServer s = serve(im.blobs());
    try {
      String reg = "127.0.0.1:" + s.getAddress().getPort();
      Path layout = dir.resolve("oci");
      assertThatThrownBy(
              () ->
                  new RegistryPull(
                          new RegistryHttp(reg, true, null), RegistryRef.parse(reg + "/team/app:1"))
                      .pull(layout))
          .isInstanceOf(IOException.class)
          .hasMessage("pull of blob " + im.layer() + ": content has digest " + sha256(lie));
      try (var files = Files.list(layout.resolve("blobs/sha256"))) {
        assertThat(files.map(p -> p.getFileName().toString()))
            .as("neither the blob nor its partial file")
            .noneMatch(n -> n.startsWith(im.layer().substring(7)));
      }
    } finally {
      s.stop(0);
    }
  }
}
