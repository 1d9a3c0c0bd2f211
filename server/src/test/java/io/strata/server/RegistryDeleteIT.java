package io.strata.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.strata.client.StrataClient;
import io.strata.protocol.HostPort;
import io.strata.protocol.message.ImageItem;
import io.strata.protocol.message.InfoReply;
import io.strata.store.testing.GoGzip;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Deletes through the distribution API free bytes (a real stratad process, HTTP pushes and deletes,
 * the real CLI and client): the blobs a deleted manifest alone named, and a blob DELETE of the last
 * link, are released, and a {@code strata gc} frees their bytes; a layer another repository still
 * links survives, and so does a blob also put with {@code strata blob put}. stratad is killed with
 * SIGKILL right after a DELETE answered: after the restart fsck is clean and nothing still linked
 * is lost.
 */
@Timeout(value = 10, unit = TimeUnit.MINUTES)
class RegistryDeleteIT {
  private static final HttpClient HTTP = HttpClient.newHttpClient();
  private static final int MIB = 1 << 20;

  @TempDir Path dir;

  private StratadProcess launch(String registry) throws Exception {
    StratadProcess s =
        StratadProcess.launch(
            dir.resolve("logs"), "--data", dir.resolve("data").toString(), "--registry", registry);
    assertThat(s.awaitReady()).as(s.stderr()).isTrue();
    return s;
  }

  private static HttpResponse<byte[]> send(HttpRequest.Builder b) throws Exception {
    return HTTP.send(
        b.timeout(Duration.ofMinutes(2)).build(), HttpResponse.BodyHandlers.ofByteArray());
  }

  private static URI uri(String registry, String path) {
    return URI.create("http://" + registry + "/v2/" + path);
  }

  /** A monolithic upload: POST, then the final PUT with the bytes. */
  private static String pushBlob(String registry, String repo, byte[] blob) throws Exception {
    String digest = Tars.sha256(blob);
    HttpResponse<byte[]> start =
        send(
            HttpRequest.newBuilder(uri(registry, repo + "/blobs/uploads/"))
                .POST(HttpRequest.BodyPublishers.noBody()));
    assertThat(start.statusCode()).isEqualTo(202);
    String location = start.headers().firstValue("Location").orElseThrow();
    URI put =
        URI.create("http://" + registry)
            .resolve(location + (location.contains("?") ? "&" : "?") + "digest=" + digest);
    HttpResponse<byte[]> done =
        send(
            HttpRequest.newBuilder(put)
                .PUT(HttpRequest.BodyPublishers.ofByteArray(blob))
                .header("Content-Type", "application/octet-stream"));
    assertThat(done.statusCode())
        .as(new String(done.body(), StandardCharsets.UTF_8))
        .isEqualTo(201);
    return digest;
  }

  private static int mount(String registry, String repo, String digest, String from)
      throws Exception {
    return send(HttpRequest.newBuilder(
                uri(registry, repo + "/blobs/uploads/?mount=" + digest + "&from=" + from))
            .POST(HttpRequest.BodyPublishers.noBody()))
        .statusCode();
  }

  /** Pushes manifest {@code body} tagged {@code 1}; returns its digest. */
  private static String pushManifest(String registry, String repo, byte[] body) throws Exception {
    return pushManifest(registry, repo, "application/vnd.oci.image.manifest.v1+json", body);
  }

  /** Pushes manifest {@code body} of media type {@code type} tagged {@code 1}; its digest. */
  private static String pushManifest(String registry, String repo, String type, byte[] body)
      throws Exception {
    HttpResponse<byte[]> r =
        send(
            HttpRequest.newBuilder(uri(registry, repo + "/manifests/1"))
                .PUT(HttpRequest.BodyPublishers.ofByteArray(body))
                .header("Content-Type", type));
    assertThat(r.statusCode()).as(new String(r.body(), StandardCharsets.UTF_8)).isEqualTo(201);
    return r.headers().firstValue("Docker-Content-Digest").orElseThrow();
  }

  private static int delete(String registry, String path) throws Exception {
    return send(HttpRequest.newBuilder(uri(registry, path)).DELETE()).statusCode();
  }

  private static HttpResponse<byte[]> get(String registry, String path) throws Exception {
    return send(HttpRequest.newBuilder(uri(registry, path)));
  }

  private static String layerEntry(String type, byte[] blob) {
    return "{\"mediaType\":\""
        + type
        + "\",\"digest\":\""
        + Tars.sha256(blob)
        + "\",\"size\":"
        + blob.length
        + "}";
  }

  private static byte[] config(byte[]... tars) {
    StringBuilder ids = new StringBuilder();
    for (byte[] t : tars) {
      ids.append(ids.length() == 0 ? "" : ",").append('"').append(Tars.sha256(t)).append('"');
    }
    return ("{\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":{},"
            + "\"rootfs\":{\"type\":\"layers\",\"diff_ids\":["
            + ids
            + "]}}")
        .getBytes(StandardCharsets.UTF_8);
  }

  private static byte[] manifest(byte[] config, String... layers) {
    return ("{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
            + "\"config\":"
            + layerEntry("application/vnd.oci.image.config.v1+json", config)
            + ",\"layers\":["
            + String.join(",", layers)
            + "]}")
        .getBytes(StandardCharsets.UTF_8);
  }

  private static byte[] tar(String name, byte[] content) throws Exception {
    Map<String, byte[]> files = new LinkedHashMap<>();
    files.put(name, content);
    return Tars.of(files);
  }

  private static void await(
      String what, StrataClient c, java.util.function.Predicate<StrataClient> p) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
    while (!p.test(c)) {
      assertThat(System.nanoTime()).as(what).isLessThan(deadline);
      Thread.sleep(200);
    }
  }

  private static boolean listed(StrataClient c, String repo) {
    try {
      return c.images().stream().map(ImageItem::repository).anyMatch(repo::equals);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private static long staged(StrataClient c) {
    try {
      return c.info().registryStagedBytes();
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private static long storedAfterGc(StrataClient c) throws Exception {
    c.gc();
    InfoReply i = c.info();
    return i.storedBytes();
  }

  @Test
  void deletesFreeTheRegistrysBytesAndKeepWhatIsStillUsed() throws Exception {
    // image A: a Go-gzipped layer only A names, and an uncompressed layer B shares
    byte[] ownTar = tar("srv/own", TestData.random(1, 6 * MIB));
    Path ownPath = dir.resolve("own.tar");
    Files.write(ownPath, ownTar);
    byte[] own = Files.readAllBytes(GoGzip.gzip(ownPath, 6));
    byte[] shared = tar("srv/shared", TestData.random(2, 4 * MIB));
    byte[] configA = config(ownTar, shared);
    byte[] configB = config(shared);
    // a blob a user put, also uploaded to A (named by no manifest)
    byte[] userBlob = TestData.random(3, 2 * MIB);
    Path userFile = dir.resolve("user.bin");
    Files.write(userFile, userBlob);

    String registry = "127.0.0.1:" + TestData.freePort();
    String manifestA;
    String manifestB;
    long empty;
    long pushed;
    try (StratadProcess s = launch(registry);
        StrataClient c = StrataClient.connect(new HostPort("127.0.0.1", s.port()), null)) {
      Cli cli = new Cli(s.port());
      empty = storedAfterGc(c);
      Cli.Result put = cli.strata("blob", "put", userFile.toString());
      assertThat(put.exit()).as(put.toString()).isZero();
      assertThat(pushBlob(registry, "del/a", userBlob)).isEqualTo(Tars.sha256(userBlob));
      pushBlob(registry, "del/a", own);
      pushBlob(registry, "del/a", shared);
      pushBlob(registry, "del/a", configA);
      manifestA =
          pushManifest(
              registry,
              "del/a",
              manifest(
                  configA,
                  layerEntry("application/vnd.oci.image.layer.v1.tar+gzip", own),
                  layerEntry("application/vnd.oci.image.layer.v1.tar", shared)));
      assertThat(mount(registry, "del/b", Tars.sha256(shared), "del/a")).isEqualTo(201);
      pushBlob(registry, "del/b", configB);
      manifestB =
          pushManifest(
              registry,
              "del/b",
              manifest(configB, layerEntry("application/vnd.oci.image.layer.v1.tar", shared)));
      await("the gzip layer's job ran", c, x -> staged(x) == 0);
      await("both images imported", c, x -> listed(x, "del/a") && listed(x, "del/b"));
      pushed = storedAfterGc(c);
      assertThat(pushed - empty).as("what the pushes stored").isGreaterThan(12L * MIB);

      assertThat(delete(registry, "del/a/manifests/" + manifestA)).isEqualTo(202);
      // killed right after the answer: the deletion is one commit, durable before the 202
      s.process().destroyForcibly();
      s.process().waitFor();
    }

    registry = "127.0.0.1:" + TestData.freePort();
    try (StratadProcess s = launch(registry);
        StrataClient c = StrataClient.connect(new HostPort("127.0.0.1", s.port()), null)) {
      Cli cli = new Cli(s.port());
      assertThat(c.fsck().damaged()).isEmpty();
      assertThat(get(registry, "del/a/manifests/" + manifestA).statusCode()).isEqualTo(404);
      // the blobs only A named went with it: a blob DELETE of them finds nothing
      assertThat(delete(registry, "del/a/blobs/" + Tars.sha256(own))).isEqualTo(404);
      assertThat(delete(registry, "del/a/blobs/" + Tars.sha256(configA))).isEqualTo(404);
      // B's manifest and the layer it shares are all there, byte for byte
      assertThat(get(registry, "del/b/manifests/1").statusCode()).isEqualTo(200);
      assertThat(get(registry, "del/b/blobs/" + Tars.sha256(shared)).body()).isEqualTo(shared);
      long afterA = storedAfterGc(c);
      assertThat(pushed - afterA).as("A's own layer freed").isGreaterThan(5L * MIB);
      Cli.Result info = cli.strata("info");
      assertThat(info.exit()).as(info.toString()).isZero();

      // the loose blob A still links, which a user also put: unlinked, never freed
      assertThat(delete(registry, "del/a/blobs/" + Tars.sha256(userBlob))).isEqualTo(202);
      assertThat(get(registry, "del/a/blobs/" + Tars.sha256(userBlob)).statusCode()).isEqualTo(404);
      long afterUser = storedAfterGc(c);
      assertThat(afterA - afterUser).as("the user's blob stays").isLessThan(MIB);
      Path back = dir.resolve("user.back");
      Cli.Result got = cli.strata("blob", "get", Tars.sha256(userBlob), "-o", back.toString());
      assertThat(got.exit()).as(got.toString()).isZero();
      assertThat(Files.readAllBytes(back)).isEqualTo(userBlob);

      // B: the manifest, then its blobs
      assertThat(delete(registry, "del/b/manifests/" + manifestB)).isEqualTo(202);
      assertThat(delete(registry, "del/b/blobs/" + Tars.sha256(shared))).isEqualTo(404);
      assertThat(get(registry, "del/b/tags/list").statusCode()).isEqualTo(404);
      long afterB = storedAfterGc(c);
      assertThat(afterUser - afterB).as("the shared layer freed").isGreaterThan(3L * MIB);
      assertThat(afterB - empty)
          .as("all that stays is the user's blob and small records")
          .isLessThan(userBlob.length + MIB);
      assertThat(c.fsck().damaged()).isEmpty();
      System.out.printf(
          "registry-delete: stored empty %d, pushed %d, after A's manifest %d, after the user's"
              + " blob %d, after B %d bytes%n",
          empty, pushed, afterA, afterUser, afterB);
      assertThat(cli.strata("image", "ls").out()).doesNotContain("del/a").doesNotContain("del/b");
    }
  }

  private static String run(String... cmd) throws Exception {
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(2, TimeUnit.MINUTES)).isTrue();
    assertThat(p.exitValue()).as(String.join(" ", cmd) + ": " + out).isZero();
    return out;
  }

  /** skopeo pushes an image and deletes it (the manifest only, as skopeo does): a gc frees it. */
  @Test
  void skopeoDeleteFreesTheImagesBytes() throws Exception {
    io.strata.store.testing.Tools.require("skopeo");
    byte[] tar = tar("srv/layer", TestData.random(4, 6 * MIB));
    Path raw = dir.resolve("layer.tar");
    Files.write(raw, tar);
    byte[] gz = Files.readAllBytes(GoGzip.gzip(raw, 6));
    Path layout = Tars.gzipLayout(dir.resolve("oci"), tar, gz);
    String registry = "127.0.0.1:" + TestData.freePort();
    try (StratadProcess s = launch(registry);
        StrataClient c = StrataClient.connect(new HostPort("127.0.0.1", s.port()), null)) {
      long empty = storedAfterGc(c);
      String ref = "docker://" + registry + "/del/skopeo:1";
      run("skopeo", "copy", "--dest-tls-verify=false", "oci:" + layout + ":1", ref);
      await("the layer's job ran", c, x -> staged(x) == 0);
      await("the image imported", c, x -> listed(x, "del/skopeo"));
      long pushed = storedAfterGc(c);
      assertThat(pushed - empty).isGreaterThan(6L * MIB);
      run("skopeo", "delete", "--tls-verify=false", ref);
      long deleted = storedAfterGc(c);
      System.out.printf(
          "registry-delete (skopeo): stored empty %d, pushed %d, deleted %d bytes%n",
          empty, pushed, deleted);
      assertThat(pushed - deleted).as("the layer freed").isGreaterThan(6L * MIB);
      assertThat(deleted - empty).isLessThan(MIB);
      assertThat(c.fsck().damaged()).isEmpty();
    }
  }

  /**
   * A layer no recipe reproduces (java.util.zip's gzip) is kept whole, and the Strata image made
   * from the push exports it from the registry's blob: deleting the manifest keeps it while the
   * image (here under a second name) remains, and {@code strata image rm} of that image releases
   * it, a gc freeing its bytes.
   */
  /**
   * An index whose image was deleted by digest first is deleted too (AP4): its DELETE looked up the
   * image the index describes and answered 404 naming the deleted child, for good; then (AR2) it
   * left the Strata image its push had made, whose name the registry published again.
   */
  @Test
  void anIndexWhoseImageWasDeletedFirstIsDeleted() throws Exception {
    byte[] tar = tar("srv/child", TestData.random(6, 64 << 10));
    byte[] cfg = config(tar);
    String registry = "127.0.0.1:" + TestData.freePort();
    try (StratadProcess s = launch(registry)) {
      pushBlob(registry, "del/ix", tar);
      pushBlob(registry, "del/ix", cfg);
      byte[] image = manifest(cfg, layerEntry("application/vnd.oci.image.layer.v1.tar", tar));
      String child = pushManifest(registry, "del/ix", image);
      byte[] index =
          ("{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.index.v1+json\","
                  + "\"manifests\":[{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
                  + "\"digest\":\""
                  + child
                  + "\",\"size\":"
                  + image.length
                  + ",\"platform\":{\"architecture\":\"amd64\",\"os\":\"linux\"}}]}")
              .getBytes(StandardCharsets.UTF_8);
      String ix =
          pushManifest(registry, "del/ix", "application/vnd.oci.image.index.v1+json", index);
      assertThat(delete(registry, "del/ix/manifests/" + child)).isEqualTo(202);
      assertThat(get(registry, "del/ix/manifests/" + ix).statusCode()).isEqualTo(200);
      assertThat(delete(registry, "del/ix/manifests/" + ix)).isEqualTo(202);
      assertThat(get(registry, "del/ix/manifests/" + ix).statusCode()).isEqualTo(404);
      // the Strata image its push made went with it: the tag is not published again (AR2)
      assertThat(get(registry, "del/ix/manifests/1").statusCode()).isEqualTo(404);
      assertThat(get(registry, "del/ix/manifests/" + child).statusCode()).isEqualTo(404);
      Cli.Result ls = new Cli(s.port()).strata("image", "ls");
      assertThat(ls.out()).doesNotContain("del/ix");
    }
  }

  @Test
  void aLayerAnImageKeepsWholeIsFreedWhenTheImageGoes() throws Exception {
    byte[] tar = tar("srv/whole", TestData.random(5, 4 * MIB));
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    try (java.util.zip.GZIPOutputStream g = new java.util.zip.GZIPOutputStream(out)) {
      g.write(tar);
    }
    byte[] layer = out.toByteArray();
    byte[] cfg = config(tar);
    String registry = "127.0.0.1:" + TestData.freePort();
    try (StratadProcess s = launch(registry);
        StrataClient c = StrataClient.connect(new HostPort("127.0.0.1", s.port()), null)) {
      Cli cli = new Cli(s.port());
      long empty = storedAfterGc(c);
      pushBlob(registry, "del/whole", layer);
      pushBlob(registry, "del/whole", cfg);
      String m =
          pushManifest(
              registry,
              "del/whole",
              manifest(cfg, layerEntry("application/vnd.oci.image.layer.v1.tar+gzip", layer)));
      await("the layer's job ran", c, x -> staged(x) == 0);
      await("the image imported", c, x -> listed(x, "del/whole"));
      Cli.Result tagged = cli.strata("image", "tag", "del/whole:1", "kept/whole:1");
      assertThat(tagged.exit()).as(tagged.toString()).isZero();
      long pushed = storedAfterGc(c);
      assertThat(delete(registry, "del/whole/manifests/" + m)).isEqualTo(202);
      long deleted = storedAfterGc(c);
      assertThat(pushed - deleted).as("kept/whole:1 still exports the layer").isLessThan(MIB);
      // the image's export reads the layer from that blob: its removal is refused, naming the
      // image (it was allowed, and the export then failed for good)
      Cli.Result rm = cli.strata("blob", "rm", Tars.sha256(layer));
      assertThat(rm.exit()).as(rm.toString()).isEqualTo(1);
      assertThat(rm.err())
          .contains("blob " + Tars.sha256(layer))
          .contains("image kept/whole:1 keeps it whole as a layer")
          .contains("strata rmi kept/whole:1");
      Path layout = dir.resolve("exported");
      Cli.Result exported = cli.strata("image", "export", "kept/whole:1", "-o", layout.toString());
      assertThat(exported.exit()).as(exported.toString()).isZero();
      assertThat(
              Files.readAllBytes(layout.resolve("blobs/sha256/" + Tars.sha256(layer).substring(7))))
          .isEqualTo(layer);

      Cli.Result removed = cli.strata("image", "rm", "kept/whole:1");
      assertThat(removed.exit()).as(removed.toString()).isZero();
      // released by the registry's sweep after the removal, which runs beside the command, or
      // at the latest by the one every gc runs first: the first gc frees it
      long freed = storedAfterGc(c);
      assertThat(freed - empty).as("the layer freed: %d bytes stored", freed).isLessThan(MIB);
      System.out.printf(
          "registry-delete (whole layer): stored empty %d, pushed %d, manifest deleted %d, image"
              + " removed %d bytes%n",
          empty, pushed, deleted, freed);
      assertThat(c.fsck().damaged()).isEmpty();
      assertThat(s.stderr()).contains("released 1 blobs nothing uses any more");
    }
  }
}
