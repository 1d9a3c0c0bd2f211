package io.strata.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.strata.s3.CephS3;
import io.strata.s3.S3ObjectStore;
import io.strata.store.testing.TestData;
import io.strata.store.testing.Tools;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Several real stratad processes sharing one bucket of a real Ceph radosgw ({@code --store
 * s3://…}), driven through the real CLI: an image imported on one node is used on the others, a
 * chunk is stored once across the fleet, and a node killed before its upload catches up when it
 * starts again.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class ScaleOutIT {
  @TempDir Path dir;
  private Fleet fleet;

  @BeforeAll
  static void s3() throws Exception {
    CephS3.ensureRunning();
  }

  @BeforeEach
  void fleet() {
    fleet = new Fleet(dir);
  }

  @AfterEach
  void stop() {
    fleet.close();
  }

  private Cli node(String name) throws Exception {
    return new Cli(fleet.start(name).port());
  }

  /**
   * Starts a stratad on data root {@code name} of this test's bucket, with {@code more} options.
   */
  private StratadProcess launch(String name, String... more) throws Exception {
    return fleet.launch(name, more);
  }

  /** A layer of text files: {@code files} of about {@code size} bytes each, seeded. */
  private Path layerTar(String name, int files, int size, long seed) throws Exception {
    Map<String, byte[]> content = new LinkedHashMap<>();
    for (int i = 0; i < files; i++) {
      content.put("data/f" + i + ".txt", TestData.text(seed + i, size));
    }
    Path tar = dir.resolve(name);
    Files.write(tar, Tars.of(content));
    return tar;
  }

  private static Cli.Result ok(Cli cli, String... args) {
    Cli.Result r = cli.strata(args);
    assertThat(r.exit()).as("strata %s: %s", String.join(" ", args), r).isZero();
    return r;
  }

  /** Retries {@code args} until it succeeds: another node's publication takes seconds. */
  private static Cli.Result eventually(Cli cli, String... args) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    Cli.Result r;
    do {
      r = cli.strata(args);
      if (r.exit() == 0) {
        return r;
      }
      Thread.sleep(250);
    } while (System.nanoTime() < deadline);
    throw new AssertionError("strata " + String.join(" ", args) + " never succeeded: " + r);
  }

  private long bucketPackBytes() throws Exception {
    long[] total = {0};
    try (S3ObjectStore o = S3ObjectStore.open(fleet.bucket())) {
      o.list("packs/", (k, size) -> total[0] += size);
    }
    return total[0];
  }

  @Test
  void anImageImportedOnOneNodeIsCreatedAndExportedOnTheOthersWithoutAPush() throws Exception {
    Cli a = node("a");
    Cli b = node("b");
    Cli c = node("c");
    Path tar = layerTar("app.tar", 8, 400_000, 1);
    ok(a, "image", "import", tar.toString(), "-t", "app:1");

    eventually(b, "create", "app:1", "--name", "web");
    String expected = new String(TestData.text(3, 400_000), StandardCharsets.UTF_8);
    assertThat(ok(b, "fs", "web", "cat", "/data/f2.txt").out()).isEqualTo(expected);
    // B made the image from the chunks in the bucket: it uploaded no pack of its own for it.
    assertThat(ok(b, "info").out()).contains(fleet.bucket().location());

    Path exported = dir.resolve("from-c.tar");
    eventually(c, "image", "export", "app:1", "-o", exported.toString());
    Path fromA = dir.resolve("from-a.tar");
    ok(a, "image", "export", "app:1", "-o", fromA.toString());
    assertThat(Files.readAllBytes(exported)).isEqualTo(Files.readAllBytes(fromA));
    assertThat(ok(c, "fsck").out()).doesNotContain("damaged");
  }

  /**
   * An image a client pushed to one node's registry keeps, on every node, the manifest it was
   * pushed with: the same RepoDigests and the same export (X1 in docs/ADVERSARIAL.md: the other
   * nodes made it from the catalogue without it, exporting a new manifest of tar layers).
   */
  @Test
  void anImagePushedToOneNodesRegistryKeepsItsManifestOnTheOthers() throws Exception {
    Tools.require("skopeo");
    Tools.require("umoci");
    int port;
    try (java.net.ServerSocket free = new java.net.ServerSocket(0)) {
      port = free.getLocalPort();
    }
    StratadProcess pa = launch("a", "--registry", "127.0.0.1:" + port);
    assertThat(pa.awaitReady()).as("stratad a started: %s", pa.stderr()).isTrue();
    Cli a = new Cli(pa.port());
    Cli b = node("b");
    Path tree = Files.createDirectories(dir.resolve("tree/srv"));
    Files.write(tree.resolve("blob"), TestData.random(21, 300_000));
    Path oci = dir.resolve("oci");
    Commands.run("umoci", "init", "--layout", oci.toString());
    Commands.run("umoci", "new", "--image", oci + ":1");
    Commands.run("umoci", "insert", "--image", oci + ":1", tree.toString(), "/srv");
    String digest =
        new com.fasterxml.jackson.databind.ObjectMapper()
            .readTree(oci.resolve("index.json").toFile())
            .path("manifests")
            .path(0)
            .path("digest")
            .asText();
    Commands.run(
        "skopeo",
        "copy",
        "--dest-tls-verify=false",
        "oci:" + oci + ":1",
        "docker://127.0.0.1:" + port + "/app/pushed:1");

    String onA = eventually(a, "image", "inspect", "app/pushed:1").out();
    assertThat(onA).contains("app/pushed@" + digest);
    String onB = eventually(b, "image", "inspect", "app/pushed:1").out();
    assertThat(onB).as("RepoDigests on the other node").contains("app/pushed@" + digest);
    Path fromA = dir.resolve("pushed-a.tar");
    Path fromB = dir.resolve("pushed-b.tar");
    ok(a, "image", "export", "app/pushed:1", "-o", fromA.toString());
    ok(b, "image", "export", "app/pushed:1", "-o", fromB.toString());
    assertThat(Files.readAllBytes(fromB)).isEqualTo(Files.readAllBytes(fromA));
  }

  /**
   * AM1: an image first imported from a plain tar, then pushed (here imported) with gzip layers on
   * one node, kept its first catalogue plan, so the other nodes served a manifest of their own
   * under the tag and 404 for the pushed digest (a pull by digest through a load balancer failed).
   */
  @Test
  void anImagePushedAfterItsImportIsServedByThePushedDigestOnEveryNode() throws Exception {
    Tools.require("skopeo");
    String ra = "127.0.0.1:" + freePort();
    String rb = "127.0.0.1:" + freePort();
    StratadProcess pa = launch("a", "--registry", ra);
    assertThat(pa.awaitReady()).as("stratad a started: %s", pa.stderr()).isTrue();
    Cli a = new Cli(pa.port());
    StratadProcess pb = launch("b", "--registry", rb);
    assertThat(pb.awaitReady()).as("stratad b started: %s", pb.stderr()).isTrue();
    Cli b = new Cli(pb.port());
    ok(a, "image", "import", layerTar("late.tar", 3, 200_000, 70).toString(), "-t", "app/late:1");
    // a client's copy, gzip-compressed: the same image (the same config), another manifest
    Path oci = dir.resolve("late-oci");
    Commands.run(
        "skopeo",
        "copy",
        "--src-tls-verify=false",
        "--dest-compress",
        "--dest-compress-format",
        "gzip",
        "docker://" + ra + "/app/late:1",
        "oci:" + oci + ":1");
    String own = servedDigest(ra, "app/late:1");
    // skopeo pushing it back would send the registry's own uncompressed layer instead (its blob
    // info cache knows the content): the gzip copy arrives by an import of the layout
    ok(a, "image", "import", oci + ":1", "-t", "app/late:1");
    String pushed =
        new com.fasterxml.jackson.databind.ObjectMapper()
            .readTree(oci.resolve("index.json").toFile())
            .path("manifests")
            .path(0)
            .path("digest")
            .asText();
    assertThat(pushed).isNotEqualTo(own);
    assertThat(servedDigest(ra, "app/late:1")).isEqualTo(pushed);

    // B never saw the image: a pull by the pushed digest finds it, and the tag gives that digest
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    int code;
    while ((code =
                Commands.exit(
                    "skopeo",
                    "inspect",
                    "--tls-verify=false",
                    "docker://" + rb + "/app/late@" + pushed))
            != 0
        && System.nanoTime() < deadline) {
      Thread.sleep(500);
    }
    assertThat(code).as("a pull of app/late@%s from node b", pushed).isZero();
    assertThat(servedDigest(rb, "app/late:1"))
        .as("the digest node b serves for app/late:1")
        .isEqualTo(pushed);
    Path fromA = dir.resolve("late-a.tar");
    Path fromB = dir.resolve("late-b.tar");
    ok(a, "image", "export", "app/late:1", "-o", fromA.toString());
    ok(b, "image", "export", "app/late:1", "-o", fromB.toString());
    assertThat(Files.readAllBytes(fromB)).isEqualTo(Files.readAllBytes(fromA));
  }

  /** The digest of the manifest registry {@code registry} serves for {@code ref}. */
  private static String servedDigest(String registry, String ref) throws Exception {
    return new com.fasterxml.jackson.databind.ObjectMapper()
        .readTree(
            Commands.run(
                "skopeo", "inspect", "--tls-verify=false", "docker://" + registry + "/" + ref))
        .path("Digest")
        .asText();
  }

  private static int freePort() throws java.io.IOException {
    try (java.net.ServerSocket free = new java.net.ServerSocket(0)) {
      return free.getLocalPort();
    }
  }

  @Test
  void whatOneNodeStoredIsNotStoredAgainByAnother() throws Exception {
    Cli a = node("a");
    Cli b = node("b");
    Path v1 = layerTar("v1.tar", 10, 500_000, 10);
    ok(a, "image", "import", v1.toString(), "-t", "base:1");
    eventually(b, "image", "inspect", "base:1");
    eventually(b, "create", "base:1", "--name", "probe");
    long afterA = bucketPackBytes();
    // The same files again on B, plus one new one: only the new file's chunks are stored.
    Map<String, byte[]> more = new LinkedHashMap<>();
    for (int i = 0; i < 10; i++) {
      more.put("data/f" + i + ".txt", TestData.text(10 + i, 500_000));
    }
    more.put("data/new.txt", TestData.text(99, 300_000));
    Path v2 = dir.resolve("v2.tar");
    Files.write(v2, Tars.of(more));
    ok(b, "image", "import", v2.toString(), "-t", "base:2");
    eventually(a, "create", "base:2", "--name", "probe2");
    long added = bucketPackBytes() - afterA;
    assertThat(afterA).isGreaterThan(1_000_000);
    // The new text compresses to well under its 300 kB; the 5 MB already stored is not stored
    // again.
    assertThat(added).isLessThan(400_000);
  }

  @Test
  void gcOnOneNodeDeletesWhatNoNodeUsesAndKeepsWhatAnyDoes() throws Exception {
    Cli a = node("a");
    Cli b = node("b");
    Cli c = node("c");
    ok(b, "image", "import", layerTar("keep.tar", 6, 400_000, 60).toString(), "-t", "keep:1");
    // C makes keep:1 its own (a container on it): its live set now holds keep's chunks.
    eventually(c, "create", "keep:1", "--name", "user");
    // A knows keep's chunks before it imports old:1, and its pack of keep's metadata is sealed and
    // uploaded: old:1's chunks then lie in packs of their own.
    eventually(a, "image", "inspect", "keep:1");
    awaitUploaded(a);
    ok(a, "image", "import", layerTar("old.tar", 6, 400_000, 50).toString(), "-t", "old:1");
    eventually(b, "image", "inspect", "old:1");
    awaitUploaded(a);
    awaitUploaded(b);
    long before = bucketPackBytes();
    ok(a, "image", "rm", "old:1");
    ok(b, "image", "rm", "old:1");
    ok(b, "image", "rm", "keep:1");
    // keep:1 stays only through C's container; old:1 is used by no one once the removal of its tag
    // reached the catalogue (asynchronously, within seconds).
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    Cli.Result gc;
    do {
      gc = c.strata("gc");
    } while (bucketPackBytes() >= before && System.nanoTime() < deadline);
    assertThat(bucketPackBytes()).as("gc output: %s", gc).isLessThan(before);
    assertThat(ok(c, "fs", "user", "cat", "/data/f1.txt").out())
        .isEqualTo(new String(TestData.text(61, 400_000), StandardCharsets.UTF_8));
    for (Cli n : List.of(a, b, c)) {
      assertThat(ok(n, "fsck").out()).doesNotContain("damaged");
    }
  }

  @Test
  void gcInALoopWhileTwoNodesWriteLosesNothing() throws Exception {
    Cli a = node("a");
    Cli b = node("b");
    Cli c = node("c");
    java.util.concurrent.atomic.AtomicLong removed = new java.util.concurrent.atomic.AtomicLong();
    Thread collector =
        new Thread(
            () -> {
              while (!Thread.currentThread().isInterrupted()) {
                Cli.Result r = c.strata("gc");
                var m =
                    java.util.regex.Pattern.compile("removed (\\d+) unreferenced chunks")
                        .matcher(r.out());
                if (r.exit() == 0 && m.find()) {
                  removed.addAndGet(Long.parseLong(m.group(1)));
                }
              }
            });
    collector.start();
    try {
      for (int round = 0; round < 3; round++) {
        // Each round shares half its files with the round before: new chunks and deduplicated
        // ones, while the previous round's image is removed and becomes garbage.
        ok(
            a,
            "image",
            "import",
            layerTar("a" + round + ".tar", 4, 300_000, 100 + round * 2L).toString(),
            "-t",
            "a:" + round);
        ok(
            b,
            "image",
            "import",
            layerTar("b" + round + ".tar", 4, 300_000, 101 + round * 2L).toString(),
            "-t",
            "b:" + round);
        // And one image of its own, in packs of its own, removed at once: garbage gc must find.
        awaitUploaded(a);
        ok(
            a,
            "image",
            "import",
            layerTar("u" + round + ".tar", 2, 300_000, 1000 + round * 10L).toString(),
            "-t",
            "u:" + round);
        awaitUploaded(a);
        ok(a, "image", "rm", "u:" + round);
        if (round > 0) {
          ok(a, "image", "rm", "a:" + (round - 1));
          ok(b, "image", "rm", "b:" + (round - 1));
        }
      }
      // One more round of gc with the writers quiet: the removed images' packs go.
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (removed.get() == 0 && System.nanoTime() < deadline) {
        Thread.sleep(500);
      }
    } finally {
      collector.interrupt();
      collector.join(120_000);
    }
    assertThat(removed.get()).as("chunks gc removed while the nodes wrote").isPositive();
    for (Cli n : List.of(a, b)) {
      String tag = n == a ? "a:2" : "b:2";
      long seed = n == a ? 104 : 105;
      ok(n, "create", tag, "--name", "check");
      for (int f = 0; f < 4; f++) {
        assertThat(ok(n, "fs", "check", "cat", "/data/f" + f + ".txt").out())
            .isEqualTo(new String(TestData.text(seed + f, 300_000), StandardCharsets.UTF_8));
      }
      assertThat(ok(n, "fsck").out()).doesNotContain("damaged");
    }
    eventually(c, "create", "a:2", "--name", "other");
    assertThat(ok(c, "fsck").out()).doesNotContain("damaged");
  }

  /** Files f0.. of {@code shared} seeds and g0.. of {@code own} seeds, as one layer. */
  private Path overlapTar(String name, int shared, int own, long ownSeed) throws Exception {
    Map<String, byte[]> content = new LinkedHashMap<>();
    for (int i = 0; i < shared; i++) {
      content.put("data/f" + i + ".txt", TestData.text(500 + i, 400_000));
    }
    for (int i = 0; i < own; i++) {
      content.put("data/g" + i + ".txt", TestData.text(ownSeed + i, 400_000));
    }
    Path tar = dir.resolve(name);
    Files.write(tar, Tars.of(content));
    return tar;
  }

  /** Imports {@code tars[i]} on {@code nodes[i]} as tag {@code tags[i]}, all at the same moment. */
  private static void importAtOnce(List<Cli> on, List<Path> tars, List<String> tags)
      throws Exception {
    List<Thread> threads = new ArrayList<>();
    List<Cli.Result> results = java.util.Collections.synchronizedList(new ArrayList<>());
    java.util.concurrent.CountDownLatch go = new java.util.concurrent.CountDownLatch(1);
    for (int i = 0; i < on.size(); i++) {
      Cli n = on.get(i);
      String[] args = {"image", "import", tars.get(i).toString(), "-t", tags.get(i)};
      Thread t =
          new Thread(
              () -> {
                try {
                  go.await();
                } catch (InterruptedException e) {
                  return;
                }
                results.add(n.strata(args));
              });
      t.start();
      threads.add(t);
    }
    go.countDown();
    for (Thread t : threads) {
      t.join(240_000);
    }
    assertThat(results).hasSize(on.size()).allSatisfy(r -> assertThat(r.exit()).isZero());
  }

  private static void assertFiles(Cli n, String container, int shared, int own, long ownSeed) {
    for (int i = 0; i < shared; i++) {
      assertThat(ok(n, "fs", container, "cat", "/data/f" + i + ".txt").out())
          .isEqualTo(new String(TestData.text(500 + i, 400_000), StandardCharsets.UTF_8));
    }
    for (int i = 0; i < own; i++) {
      assertThat(ok(n, "fs", container, "cat", "/data/g" + i + ".txt").out())
          .isEqualTo(new String(TestData.text(ownSeed + i, 400_000), StandardCharsets.UTF_8));
    }
  }

  @Test
  void twoNodesImportingOverlappingTreesAtOnceStoreEachChunkAboutOnceAfterGc() throws Exception {
    Path small = overlapTar("small.tar", 16, 0, 0);
    Path big = overlapTar("big.tar", 16, 8, 700);
    // The reference: one node importing both, in a bucket of its own.
    Cli solo = node("solo");
    ok(solo, "image", "import", small.toString(), "-t", "small:1");
    ok(solo, "image", "import", big.toString(), "-t", "big:1");
    awaitUploaded(solo);
    long one = bucketPackBytes();
    fleet.close();
    fleet = new Fleet(dir); // a bucket of its own

    Cli a = node("a");
    Cli b = node("b");
    importAtOnce(List.of(a, b), List.of(small, big), List.of("small:1", "big:1"));
    awaitUploaded(a);
    awaitUploaded(b);
    long two = bucketPackBytes();
    // Neither node saw the other's packs in time: the shared files are in the bucket twice.
    assertThat(two).as("bytes of two nodes at once vs one node (%d)", one).isGreaterThan(one);
    Cli.Result gc = ok(a, "gc");
    long after = bucketPackBytes();
    assertThat(after)
        .as("bucket after gc (%s): %d, before %d, one node %d", gc.out(), after, two, one)
        .isLessThanOrEqualTo(one * 105 / 100);
    // Every file reads back on both nodes, each image on the node that imported it and the other.
    ok(a, "create", "small:1", "--name", "cs");
    eventually(a, "create", "big:1", "--name", "cb");
    ok(b, "create", "big:1", "--name", "cb");
    eventually(b, "create", "small:1", "--name", "cs");
    for (Cli n : List.of(a, b)) {
      assertFiles(n, "cs", 16, 0, 0);
      assertFiles(n, "cb", 16, 8, 700);
      assertThat(ok(n, "fsck").out()).doesNotContain("damaged");
    }
    // And after a restart, from the index checkpoint and the bucket's alias maps.
    fleet.node(1).close();
    Cli b2 = node("b");
    assertFiles(b2, "cb", 16, 8, 700);
    assertThat(ok(b2, "fsck").out()).doesNotContain("damaged");
  }

  @Test
  void gcInALoopWhileTwoNodesImportTheSameFilesAtOnceLosesNothing() throws Exception {
    Cli a = node("a");
    Cli b = node("b");
    Cli c = node("c");
    java.util.concurrent.atomic.AtomicInteger runs =
        new java.util.concurrent.atomic.AtomicInteger();
    Thread collector =
        new Thread(
            () -> {
              while (!Thread.currentThread().isInterrupted()) {
                if (c.strata("gc").exit() == 0) {
                  runs.incrementAndGet();
                }
              }
            });
    collector.start();
    try {
      for (int round = 0; round < 3; round++) {
        // Both import the same files at once (duplicates gc aliases), each with files of its own;
        // the round before is removed and becomes garbage.
        importAtOnce(
            List.of(a, b),
            List.of(
                overlapTar("a" + round + ".tar", 6, 2, 800 + round * 10L),
                overlapTar("b" + round + ".tar", 6, 2, 900 + round * 10L)),
            List.of("a:" + round, "b:" + round));
        if (round > 0) {
          ok(a, "image", "rm", "a:" + (round - 1));
          ok(b, "image", "rm", "b:" + (round - 1));
        }
      }
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      int before = runs.get();
      while (runs.get() < before + 2 && System.nanoTime() < deadline) {
        Thread.sleep(500);
      }
    } finally {
      collector.interrupt();
      collector.join(120_000);
    }
    assertThat(runs.get()).as("gc runs that finished").isGreaterThanOrEqualTo(2);
    for (Cli n : List.of(a, b, c)) {
      eventually(n, "create", "a:2", "--name", "ca");
      eventually(n, "create", "b:2", "--name", "cb");
      assertFiles(n, "ca", 6, 0, 0);
      assertFiles(n, "cb", 6, 0, 0);
      for (int i = 0; i < 2; i++) {
        assertThat(ok(n, "fs", "ca", "cat", "/data/g" + i + ".txt").out())
            .isEqualTo(new String(TestData.text(820 + i, 400_000), StandardCharsets.UTF_8));
        assertThat(ok(n, "fs", "cb", "cat", "/data/g" + i + ".txt").out())
            .isEqualTo(new String(TestData.text(920 + i, 400_000), StandardCharsets.UTF_8));
      }
      assertThat(ok(n, "fsck").out()).doesNotContain("damaged");
    }
  }

  /** Waits until the node has uploaded every pack it wrote (idle packs are sealed after 1 s). */
  private static void awaitUploaded(Cli n) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (!n.strata("info").out().matches("(?s).*pending uploads: +0 .*")) {
      assertThat(System.nanoTime()).as("uploads finished").isLessThan(deadline);
      Thread.sleep(200);
    }
  }

  /** {@code .ci/ceph-s3.sh CMD}: stops or starts radosgw alone. */
  private static void rgw(String cmd) throws Exception {
    Path script = Path.of("..", ".ci", "ceph-s3.sh").toAbsolutePath().normalize();
    Process p =
        new ProcessBuilder("bash", script.toString(), cmd, CephS3.DIR)
            .redirectErrorStream(true)
            .start();
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("ceph-s3.sh %s", cmd).isTrue();
    assertThat(p.exitValue())
        .as("ceph-s3.sh %s: %s", cmd, new String(p.getInputStream().readAllBytes()))
        .isZero();
  }

  @Test
  void withTheObjectStoreDownWritesAreAcknowledgedLocallyAndReachTheFleetWhenItIsBack()
      throws Exception {
    Cli a = node("a");
    Cli b = node("b");
    Path tar = layerTar("offline.tar", 6, 300_000, 40);
    Cli.Result lookup;
    try {
      rgw("rgw-stop");
      // Acknowledged once durable in A's write-ahead packs; the upload waits for the bucket.
      ok(a, "image", "import", tar.toString(), "-t", "offline:1");
      assertThat(ok(a, "info").out()).containsPattern("pending uploads: +[1-9]");
      // B cannot reach the catalogue: a clear error naming the bucket, not a hang.
      lookup = b.strata("create", "offline:1", "--name", "early");
    } finally {
      rgw("rgw-start");
    }
    assertThat(lookup.exit()).isNotZero();
    assertThat(lookup.err()).contains(fleet.bucket().location());
    eventually(b, "create", "offline:1", "--name", "later");
    assertThat(ok(b, "fs", "later", "cat", "/data/f3.txt").out())
        .isEqualTo(new String(TestData.text(43, 300_000), StandardCharsets.UTF_8));
    assertThat(ok(a, "info").out()).containsPattern("pending uploads: +0 ");
    assertThat(ok(a, "fsck").out()).doesNotContain("damaged");
  }

  /** The image id the bucket's catalogue names by {@code tag}, or null. */
  private String catalogued(String tag) throws Exception {
    try (S3ObjectStore o = S3ObjectStore.open(fleet.bucket())) {
      byte[] b = o.get("catalogue/tags/" + tag.replace(":", "%3A"));
      return b == null ? null : io.strata.store.image.CataloguedImage.parse(b, tag).id();
    }
  }

  /** Waits until the catalogue names {@code id} by {@code tag} (null: names nothing). */
  private void awaitCatalogued(String tag, String id) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (!java.util.Objects.equals(catalogued(tag), id) && System.nanoTime() < deadline) {
      Thread.sleep(250);
    }
    assertThat(catalogued(tag)).as("the catalogue's %s", tag).isEqualTo(id);
  }

  @Test
  void aRestartBringsNoRemovedTagBackAndEveryTagANodeMakesIsPublished() throws Exception {
    Cli a = node("a");
    Cli b = node("b");
    Path tar = layerTar("e.tar", 4, 100_000, 40);
    ok(a, "image", "import", tar.toString(), "-t", "a:1");
    String id = ok(a, "image", "inspect", "a:1", "--format", "{{.Id}}").out().strip();
    Path other = layerTar("gone.tar", 3, 100_000, 50);
    ok(a, "image", "import", other.toString(), "-t", "gone:1");
    String goneId = ok(a, "image", "inspect", "gone:1", "--format", "{{.Id}}").out().strip();
    awaitCatalogued("a:1", id);
    awaitCatalogued("gone:1", goneId);

    // B makes gone:1 from the catalogue; A removes it; B restarts: the removal stays.
    ok(b, "image", "inspect", "gone:1");
    ok(a, "image", "rm", "gone:1");
    awaitCatalogued("gone:1", null);
    StratadProcess stopped = fleet.node(1);
    stopped.process().destroy();
    assertThat(stopped.awaitExit()).isNotEqualTo(-1);
    Cli b2 = node("b");
    // What B queues at start runs before what it is told after: once its own import's tag is in
    // the catalogue, B is done with whatever it would have published at start.
    ok(b2, "image", "import", layerTar("own.tar", 2, 50_000, 60).toString(), "-t", "own:1");
    String own = ok(b2, "image", "inspect", "own:1", "--format", "{{.Id}}").out().strip();
    awaitCatalogued("own:1", own);
    assertThat(catalogued("gone:1")).isNull();
    assertThat(a.strata("image", "inspect", "gone:1").exit()).isEqualTo(4);
    assertThat(node("c").strata("image", "inspect", "gone:1").exit()).isEqualTo(4);
    // B keeps the image it made: the removal was the catalogue's.
    assertThat(ok(b2, "image", "inspect", "gone:1", "--format", "{{.Id}}").out().strip())
        .isEqualTo(goneId);

    // B makes a:1 from the catalogue to tag it: the new tag is B's, so B publishes it; an import
    // on B yielding the same image under a new tag is published too.
    ok(b2, "image", "tag", "a:1", "e:1");
    Path archive = dir.resolve("a1.tar");
    ok(a, "image", "export", "a:1", "-o", archive.toString());
    ok(b2, "image", "import", archive.toString(), "-t", "d:1");
    assertThat(ok(b2, "image", "inspect", "d:1", "--format", "{{.Id}}").out().strip())
        .isEqualTo(id);
    awaitCatalogued("e:1", id);
    awaitCatalogued("d:1", id);
    assertThat(ok(a, "image", "inspect", "e:1", "--format", "{{.Id}}").out().strip()).isEqualTo(id);
  }

  @Test
  void aNodeKilledBeforeItsUploadUploadsWhenItStartsAgain() throws Exception {
    Cli a = node("a");
    Cli b = node("b");
    Path tar = layerTar("k.tar", 6, 300_000, 20);
    ok(a, "image", "import", tar.toString(), "-t", "kill:1");
    // SIGKILL at once: the import is acknowledged (durable in A's write-ahead packs), its upload
    // and publication may not have happened.
    StratadProcess killed = fleet.node(0);
    killed.process().destroyForcibly();
    killed.process().onExit().get(30, TimeUnit.SECONDS);
    Cli again = node("a");
    eventually(b, "create", "kill:1", "--name", "killed");
    assertThat(ok(b, "fs", "killed", "cat", "/data/f5.txt").out())
        .isEqualTo(new String(TestData.text(25, 300_000), StandardCharsets.UTF_8));
    assertThat(ok(again, "fsck").out()).doesNotContain("damaged");
    assertThat(ok(b, "fsck").out()).doesNotContain("damaged");
  }

  @Test
  void aNodeGoneForGoodIsForgottenSoGcGoesOnAndItCannotComeBack() throws Exception {
    Cli a = node("a");
    Cli b = node("b");
    // B stores a blob: no tag names it, so only B's live set keeps its chunks.
    Path only = dir.resolve("only-b.bin");
    Files.write(only, TestData.text(70, 600_000));
    ok(b, "blob", "put", only.toString());
    awaitUploaded(b);
    String gone = ok(b, "info").out().replaceAll("(?s).*this node: +(\\S+).*", "$1");
    assertThat(gone).matches("[0-9a-f-]{36}");

    Cli.Result alive = a.strata("gc", "--forget-node", gone);
    assertThat(alive.exit()).as("%s", alive).isNotZero();
    assertThat(alive.err()).contains("heartbeat").contains("nothing was forgotten");
    Cli.Result stranger = a.strata("gc", "--forget-node", "no-such-node");
    assertThat(stranger.exit()).as("%s", stranger).isEqualTo(4);

    StratadProcess killed = fleet.node(1);
    killed.process().destroyForcibly();
    killed.process().onExit().get(30, TimeUnit.SECONDS);
    // B's clock stopped ten minutes ago: its last heartbeat is stale.
    try (S3ObjectStore o = S3ObjectStore.open(fleet.bucket())) {
      o.put(
          "locks/nodes/" + gone,
          Long.toString(System.currentTimeMillis() - 600_000).getBytes(StandardCharsets.US_ASCII));
    }
    // B died between uploading a pack and its index segment: a pack in its lease, no segment.
    String orphan;
    try (S3ObjectStore o = S3ObjectStore.open(fleet.bucket())) {
      List<String> leases = new ArrayList<>();
      o.list("leases/packs/", (k, size) -> leases.add(k));
      String lease = null;
      for (String k : leases) {
        if (new String(o.get(k), StandardCharsets.UTF_8).contains("node=" + gone)) {
          lease = k;
        }
      }
      assertThat(lease).as("B's pack lease among %s", leases).isNotNull();
      int last = (Integer.parseUnsignedInt(lease.substring("leases/packs/".length()), 16) + 1) * 64;
      orphan = String.format("packs/%08x.pack", last - 1);
      o.put(orphan, TestData.text(71, 50_000));
    }
    long before = bucketPackBytes();
    Cli.Result gc = ok(a, "gc", "--forget-node", gone);
    assertThat(gc.out()).contains("removed ").doesNotContain("removed 0 unreferenced chunks");
    assertThat(bucketPackBytes()).as("gc: %s", gc).isLessThan(before);
    assertThat(ok(a, "fsck").out()).doesNotContain("damaged");
    try (S3ObjectStore o = S3ObjectStore.open(fleet.bucket())) {
      assertThat(o.get(orphan)).as("the forgotten node's pack without a segment").isNull();
    }

    StratadProcess back = launch("b");
    assertThat(back.awaitReady()).as("a forgotten node starts").isFalse();
    assertThat(back.stderr()).contains(gone).contains("forgot").contains("new data root");
  }
}
