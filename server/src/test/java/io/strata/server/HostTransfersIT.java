package io.strata.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import io.strata.client.StrataClient;
import io.strata.client.StrataClientException;
import io.strata.protocol.message.ChunksEnd;
import io.strata.protocol.message.Json;
import io.strata.protocol.message.OfferReply;
import io.strata.protocol.message.PlanArgs;
import io.strata.protocol.message.TransferArgs;
import io.strata.protocol.message.TransferProgress;
import io.strata.protocol.message.TransferReply;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code strata push} and {@code strata pull} between real stratad servers on loopback, through the
 * real CLI: the first copy of an image sends every chunk, a second version only the chunks of what
 * changed, the image arrives byte for byte (same id, same exported archive), and a btrfs host and a
 * zfs host exchange images although they cut files differently.
 */
class HostTransfersIT {
  private static final Pattern SUMMARY =
      Pattern.compile(
          "sent (\\d+) of (\\d+) chunks, (\\d+) of (\\d+) bytes \\((\\d+\\.\\d)% already present\\)\\n");

  @TempDir static Path dir;
  private static TestServer a;
  private static TestServer b;
  private static TestServer z;
  private static Path tree;

  @BeforeAll
  static void start() throws Exception {
    a = TestServer.start(dir.resolve("a"), "btrfs", List.of());
    b = TestServer.start(dir.resolve("b"), "btrfs", List.of());
    z = TestServer.start(dir.resolve("z"), "zfs", List.of());
    tree = dir.resolve("tree");
    Files.createDirectories(tree.resolve("usr/lib"));
    Files.createDirectories(tree.resolve("etc"));
    for (int i = 0; i < 40; i++) {
      Files.write(tree.resolve("usr/lib/lib" + i + ".so"), TestData.random(i, 60_000 + 997 * i));
    }
    for (int i = 0; i < 30; i++) {
      Files.write(tree.resolve("etc/conf" + i), TestData.text(i, 2_000));
    }
    ok(a, "image", "import", tree.toString(), "-t", "app:1");
    Files.write(tree.resolve("usr/lib/lib7.so"), TestData.random(1007, 60_000 + 997 * 7));
    Files.writeString(tree.resolve("etc/conf3"), "edited\n");
    ok(a, "image", "import", tree.toString(), "-t", "app:2");
  }

  @AfterAll
  static void stop() {
    for (TestServer s : new TestServer[] {a, b, z}) {
      if (s != null) {
        s.close();
      }
    }
  }

  private static TestServer.CliRun ok(TestServer s, String... args) {
    TestServer.CliRun r = s.cli(args);
    assertThat(r.code()).as("strata %s: %s", String.join(" ", args), r.stderr()).isZero();
    return r;
  }

  /** The counts of a push or pull's summary line: chunks sent, of, bytes sent, of. */
  private static long[] summary(TestServer.CliRun r) {
    Matcher m = SUMMARY.matcher(r.out());
    assertThat(m.matches()).as("summary line: %s", r.out()).isTrue();
    return new long[] {
      Long.parseLong(m.group(1)),
      Long.parseLong(m.group(2)),
      Long.parseLong(m.group(3)),
      Long.parseLong(m.group(4))
    };
  }

  private static String id(TestServer s, String image) throws Exception {
    return Json.tree(ok(s, "--json", "image", "inspect", image).stdout(), "inspect")
        .get(0)
        .get("Id")
        .asText();
  }

  private static byte[] export(TestServer s, String image) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (var c = s.client()) {
      c.exportImage(
          new io.strata.protocol.message.ExportArgs(image, "docker-archive"),
          out,
          io.strata.client.TransferListener.NONE);
    }
    return out.toByteArray();
  }

  @Test
  void pushSendsEverythingOnceThenOnlyWhatChanged() throws Exception {
    long[] first = summary(ok(a, "push", "app:1", "--to", b.address().toString()));
    assertThat(first[0]).isEqualTo(first[1]).isPositive();
    assertThat(first[2]).isEqualTo(first[3]);
    assertThat(id(b, "app:1")).isEqualTo(id(a, "app:1"));
    assertThat(export(b, "app:1")).isEqualTo(export(a, "app:1"));

    long[] second = summary(ok(a, "push", "app:2", "--to", b.address().toString()));
    // One 67 KiB library and one small file changed, out of 2.7 MB: their chunks and the layer's
    // tar-split travel, nothing else.
    assertThat(second[2]).isPositive().isLessThan(second[3] / 10);
    assertThat(export(b, "app:2")).isEqualTo(export(a, "app:2"));

    TestServer.CliRun repeat =
        ok(a, "--progress", "json", "push", "app:2", "--to", b.address().toString());
    long[] again = summary(repeat);
    assertThat(again[0]).isZero();
    // Everything was there: the JSON progress still ends with its summary event.
    assertThat(repeat.stderr().strip().lines().reduce((x, y) -> y).orElse(""))
        .containsPattern("\"messageType\"\\s*:\\s*\"summary\"")
        .containsPattern("\"bytesDone\"\\s*:\\s*0\\b");
    assertThat(ok(b, "fsck").code()).isZero();
  }

  @Test
  void aZfsHostPullsFromABtrfsHostAndGivesBackOnlyWhatChanged() throws Exception {
    long[] first = summary(ok(z, "pull", "app:1", "--from", a.address().toString()));
    assertThat(first[0]).isEqualTo(first[1]);
    assertThat(export(z, "app:1")).isEqualTo(export(a, "app:1"));

    JsonNode second =
        Json.tree(
            ok(z, "--json", "pull", "app:2", "--from", a.address().toString()).stdout(), "pull");
    assertThat(second.get("bytesSent").asLong())
        .isPositive()
        .isLessThan(second.get("bytesTotal").asLong() / 5);
    assertThat(second.get("wireBytes").asLong()).isLessThan(second.get("bytesTotal").asLong() / 5);
    assertThat(second.get("tag").asText()).isEqualTo("app:2");
    assertThat(export(z, "app:2")).isEqualTo(export(a, "app:2"));
  }

  /**
   * An image that arrived with a manifest (here loaded from an OCI archive with zstd layers) keeps
   * it on the other host: the same RepoDigests, the same layer blobs in its export (T2: the
   * receiver exported gzip layers of its own, new digests, and showed no RepoDigests).
   */
  @Test
  void anImageLoadedFromAnOciArchiveKeepsItsManifestOnTheOtherHost() throws Exception {
    Path oci = dir.resolve("app1-zstd.tar");
    ok(a, "image", "export", "app:1", "-o", oci.toString(), "--layer-compression", "zstd");
    ok(a, "image", "import", oci.toString(), "-t", "oci/app:1");
    JsonNode sent = Json.tree(ok(a, "--json", "image", "inspect", "oci/app:1").stdout(), "inspect");
    String repoDigest = null;
    for (JsonNode r : sent.get(0).get("RepoDigests")) {
      if (r.asText().startsWith("oci/app@sha256:")) {
        repoDigest = r.asText();
      }
    }
    assertThat(repoDigest).as("RepoDigests on the sender: %s", sent).isNotNull();

    ok(a, "push", "oci/app:1", "--to", z.address().toString());

    JsonNode got = Json.tree(ok(z, "--json", "image", "inspect", "oci/app:1").stdout(), "inspect");
    List<String> repoDigests = new java.util.ArrayList<>();
    got.get(0).get("RepoDigests").forEach(r -> repoDigests.add(r.asText()));
    assertThat(repoDigests).contains(repoDigest);
    assertThat(export(z, "oci/app:1")).isEqualTo(export(a, "oci/app:1"));
    assertThat(ok(z, "fsck").code()).isZero();

    // pulled by digest (V2: refused as "answered … named ''"): arrives untagged, by that digest;
    // on a host of its own, so that the other tests' first transfers stay first
    try (TestServer d = TestServer.start(dir.resolve("d"), "btrfs", List.of())) {
      ok(d, "pull", repoDigest, "--from", a.address().toString());
      JsonNode byDigest =
          Json.tree(ok(d, "--json", "image", "inspect", repoDigest).stdout(), "inspect");
      assertThat(byDigest.get(0).get("RepoDigests").toString()).contains(repoDigest);
      assertThat(byDigest.get(0).get("RepoTags")).isEmpty();
    }
  }

  @Test
  void errorsNameTheOtherHostAndKeepTheirStatus() {
    TestServer.CliRun missing = a.cli("pull", "nope:1", "--from", b.address().toString());
    assertThat(missing.code()).isEqualTo(4);
    assertThat(missing.stderr()).contains(b.address().toString()).contains("nope:1");

    TestServer.CliRun down = a.cli("push", "app:1", "--to", "127.0.0.1:1");
    assertThat(down.code()).isEqualTo(3);
    assertThat(down.stderr()).contains("127.0.0.1:1");

    TestServer.CliRun typo = a.cli("push", "app:1", "--to", "no-port-here:");
    assertThat(typo.code()).isEqualTo(2);
  }

  @Test
  void aPushCutShortResumesAfterTheReceiverRestartsWithoutResendingWhatArrived() throws Exception {
    try (TestServer r = TestServer.start(dir.resolve("r"), "btrfs", List.of())) {
      // What push does, stopped half way: offer the plan, put half its chunks, never apply.
      try (StrataClient toA = a.client();
          StrataClient toR = r.client()) {
        Offered o = offerAppV1(toA, toR);
        byte[] records = o.records(toA, firstHalf(o.missing()));
        ChunksEnd put = toR.transferPut(o.offer().plan(), out -> out.write(records));
        assertThat(put.chunks()).isPositive().isLessThan(o.offer().chunks());
      }
      r.restart();
      r.server(); // the pinned chunks survive the restart and a gc
      assertThat(r.cli("gc").code()).isZero();

      long[] resumed = summary(ok(a, "push", "app:1", "--to", r.address().toString()));
      assertThat(resumed[0]).isPositive().isLessThan(resumed[1]);
      assertThat(export(r, "app:1")).isEqualTo(export(a, "app:1"));
      assertThat(ok(r, "fsck").code()).isZero();
    }
  }

  /**
   * What a push does up to its puts, by hand: app:1's plan from host a, offered to {@code to}, and
   * the list of chunks {@code to} lacks.
   */
  private record Offered(String cut, byte[] plan, OfferReply offer, byte[] missing) {
    /** The records host a sends for the chunk list {@code list}. */
    byte[] records(StrataClient toA, byte[] list) throws Exception {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      toA.transferChunks(new PlanArgs(id(a, "app:1"), cut), o -> o.write(list), out);
      return out.toByteArray();
    }
  }

  private static Offered offerAppV1(StrataClient toA, StrataClient to) throws Exception {
    String cut = to.transferCut().cut();
    ByteArrayOutputStream p = new ByteArrayOutputStream();
    toA.transferPlan(new PlanArgs("app:1", cut), p);
    ByteArrayOutputStream missing = new ByteArrayOutputStream();
    OfferReply offer = to.transferOffer(p.toByteArray(), missing);
    return new Offered(cut, p.toByteArray(), offer, missing.toByteArray());
  }

  /** A chunk list of the first half of the chunks of {@code list}. */
  private static byte[] firstHalf(byte[] list) {
    int n = java.nio.ByteBuffer.wrap(list).getInt();
    int keep = n / 2;
    java.nio.ByteBuffer out = java.nio.ByteBuffer.allocate(4 + keep * 36);
    out.putInt(keep).put(list, 4, keep * 36);
    return out.array();
  }

  @Test
  void aTamperedChunkIsRefusedAndNothingIsRecorded() throws Exception {
    try (TestServer r = TestServer.start(dir.resolve("t"), "btrfs", List.of());
        StrataClient toA = a.client();
        StrataClient toR = r.client()) {
      Offered o = offerAppV1(toA, toR);
      OfferReply offer = o.offer();
      byte[] bad = o.records(toA, o.missing());
      bad[32 + 9 + 5] ^= 1;

      assertThatThrownBy(() -> toR.transferPut(offer.plan(), out -> out.write(bad)))
          .isInstanceOf(StrataClientException.class)
          .hasMessageContaining("the sending host sent chunk sha256:");
      assertThatThrownBy(() -> toR.transferApply(offer.plan()))
          .isInstanceOf(StrataClientException.class)
          .hasMessageContaining("has not arrived");
      assertThatThrownBy(() -> toR.transferApply("sha256:" + "0".repeat(64)))
          .isInstanceOf(StrataClientException.class)
          .hasMessageContaining("not known here");
      assertThat(r.cli("image", "inspect", "app:1").code()).isEqualTo(4);
    }
  }

  @Test
  void theOtherHostsTokenTravelsFromTheRemoteTokenFile() throws Exception {
    Path token = Files.writeString(dir.resolve("token"), "other-host-token\n");
    try (TestServer locked =
        TestServer.start(
            ServerConfig.loopback(dir.resolve("locked"))
                .withToken("other-host-token".getBytes(java.nio.charset.StandardCharsets.UTF_8)))) {
      TestServer.CliRun refused = a.cli("push", "app:1", "--to", locked.address().toString());
      assertThat(refused.code()).isEqualTo(3);
      assertThat(refused.stderr())
          .isEqualTo(
              "strata: stratad at "
                  + locked.address()
                  + " requires a token: give it with --remote-token-file FILE\n");
      Path wrong = Files.writeString(dir.resolve("wrong"), "not-the-token\n");
      TestServer.CliRun refusedToken =
          a.cli(
              "pull",
              "app:1",
              "--from",
              locked.address().toString(),
              "--remote-token-file",
              wrong.toString());
      assertThat(refusedToken.code()).isEqualTo(3);
      assertThat(refusedToken.stderr())
          .isEqualTo(
              "strata: stratad at "
                  + locked.address()
                  + " refused the token of --remote-token-file\n");

      summary(
          ok(
              a,
              "push",
              "app:1",
              "--to",
              locked.address().toString(),
              "--remote-token-file",
              token.toString()));
    }
  }

  @Test
  void progressArrivesBatchByBatchAndEndsAtWhatWasSent() throws Exception {
    try (TestServer p = TestServer.start(dir.resolve("p"), "btrfs", List.of());
        StrataClient toA = a.client()) {
      List<TransferProgress> seen = new java.util.ArrayList<>();
      TransferReply r =
          toA.push(new TransferArgs("app:2", p.address().toString(), null), seen::add);
      assertThat(seen).isNotEmpty();
      assertThat(seen.get(0).bytesSent()).isZero();
      TransferProgress last = seen.get(seen.size() - 1);
      assertThat(last.bytesSent()).isEqualTo(last.bytesToSend()).isEqualTo(r.bytesSent());
    }
  }

  @Test
  void twoPushesOfOneImageAtOnceBothSucceed() throws Exception {
    try (TestServer c = TestServer.start(dir.resolve("c"), "btrfs", List.of())) {
      java.util.concurrent.ExecutorService two =
          java.util.concurrent.Executors.newFixedThreadPool(2);
      try {
        List<java.util.concurrent.Future<TestServer.CliRun>> runs = new java.util.ArrayList<>();
        for (int i = 0; i < 2; i++) {
          runs.add(two.submit(() -> a.cli("push", "app:2", "--to", c.address().toString())));
        }
        for (var run : runs) {
          TestServer.CliRun r = run.get();
          assertThat(r.code()).as(r.stderr()).isZero();
        }
      } finally {
        two.shutdown();
      }
      assertThat(export(c, "app:2")).isEqualTo(export(a, "app:2"));
      assertThat(ok(c, "fsck").code()).isZero();
    }
  }

  @Test
  void aPlanAnotherPushAppliedIsGoneButOffersAgainWithNothingMissing() throws Exception {
    // What a push does when another push of the same image released the plan before its apply.
    try (TestServer d = TestServer.start(dir.resolve("d"), "btrfs", List.of());
        StrataClient toA = a.client();
        StrataClient toD = d.client()) {
      Offered o = offerAppV1(toA, toD);
      OfferReply offer = o.offer();
      byte[] records = o.records(toA, o.missing());
      toD.transferPut(offer.plan(), out -> out.write(records));
      toD.transferApply(offer.plan());

      assertThatThrownBy(() -> toD.transferApply(offer.plan()))
          .isInstanceOf(StrataClientException.class)
          .hasMessageContaining("not known here");
      OfferReply again = toD.transferOffer(o.plan(), OutputStream.nullOutputStream());
      assertThat(again.chunks()).isZero();
      assertThat(toD.transferApply(again.plan()).images().get(0).id()).isEqualTo(id(a, "app:1"));
    }
  }

  @Test
  void aPullByIdArrivesUntaggedAndACutFinerThanAnyStoreIsRefused() throws Exception {
    try (TestServer e = TestServer.start(dir.resolve("e"), "zfs", List.of());
        StrataClient toA = a.client()) {
      String id = id(a, "app:1");
      long[] got = summary(ok(e, "pull", id.substring(7, 19), "--from", a.address().toString()));
      assertThat(got[0]).isEqualTo(got[1]);
      assertThat(id(e, id)).isEqualTo(id);
      assertThat(e.cli("image", "inspect", "app:1").code()).isEqualTo(4);

      assertThatThrownBy(
              () ->
                  toA.transferPlan(
                      new PlanArgs("app:1", "records:512"), new ByteArrayOutputStream()))
          .isInstanceOf(StrataClientException.class)
          .hasMessageContaining("record size 512");
    }
  }
}
