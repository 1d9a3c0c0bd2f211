package io.strata.store.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.strata.store.compress.Compression;
import io.strata.store.digest.Digest;
import io.strata.store.error.CorruptDataException;
import io.strata.store.error.InvalidArgumentException;
import io.strata.store.error.NotFoundException;
import io.strata.store.image.archive.ExportFormat;
import io.strata.store.testing.PackDamage;
import io.strata.store.transfer.ChunkIntake;
import io.strata.store.transfer.ChunkRecords;
import io.strata.store.transfer.ContentCut;
import io.strata.store.transfer.TransferPlan;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An image moved from one real store to another through a plan and a stream of chunk records, as
 * two servers move it: only what the receiver lacks travels, every chunk is verified, a transfer
 * cut short resumes, and the image arrives byte for byte.
 */
class ImageTransferTest {
  @TempDir Path dir;
  ImageFixture sender;
  ImageFixture receiver;

  @BeforeEach
  void open() throws IOException {
    sender = new ImageFixture(dir.resolve("a"));
    receiver = new ImageFixture(dir.resolve("b"));
  }

  @AfterEach
  void close() throws IOException {
    sender.close();
    receiver.close();
  }

  /** A two-layer image named {@code tag}: a base of 40 files, then {@code top} on it. */
  private ImportResult.Image image(ImageFixture into, String tag, TarBuilder top)
      throws IOException {
    TarBuilder base = new TarBuilder().dir("usr", 0755);
    Random r = new Random(7);
    for (int i = 0; i < 40; i++) {
      byte[] b = new byte[1000 + r.nextInt(i % 8 == 0 ? 300_000 : 20_000)];
      r.nextBytes(b);
      Arrays.fill(b, b.length / 2, b.length, (byte) i); // half compressible
      base.raw("usr/f" + i, b);
    }
    Path d =
        DockerArchive.write(
            Files.createTempDirectory(dir, "archive"),
            tag,
            List.of("base", "top"),
            base.bytes(),
            top.bytes());
    return into.images().importPath(d.toString(), null).images().get(0);
  }

  private static TarBuilder top(String edit) throws IOException {
    byte[] big = new byte[400_000];
    new Random(11).nextBytes(big);
    return new TarBuilder().raw("opt/big", big).file("etc/conf", edit);
  }

  /** The chunk records the sender writes for what the receiver lacks. */
  private byte[] records(String id, TransferPlan plan, Map<Digest, Integer> wanted)
      throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ChunkRecords.Writer w = new ChunkRecords.Writer(out, Compression.parse("zstd:3"));
    sender.images().sendChunks(id, ContentCut.parse(plan.cut()), wanted, w);
    w.flush();
    return out.toByteArray();
  }

  private void accept(TransferPlan plan, Map<Digest, Integer> wanted, byte[] records)
      throws IOException {
    try (ChunkIntake in = new ChunkIntake(receiver.chunks(), plan)) {
      in.accept(new ByteArrayInputStream(records), wanted, "host a");
    }
  }

  /** All the receiver lacks of {@code plan}, sent and accepted in two batches. */
  private void acceptInTwoBatches(String id, TransferPlan plan) throws IOException {
    Map<Digest, Integer> missing = receiver.images().missing(plan);
    Map<Digest, Integer> first = new java.util.LinkedHashMap<>();
    Map<Digest, Integer> second = new java.util.LinkedHashMap<>();
    missing.forEach((d, n) -> (first.size() < missing.size() / 2 ? first : second).put(d, n));
    accept(plan, first, records(id, plan, first));
    accept(plan, second, records(id, plan, second));
  }

  private byte[] export(ImageFixture f, String ref) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    f.images().export(ref, ExportFormat.DOCKER_ARCHIVE, out);
    return out.toByteArray();
  }

  /** What a sender offers of image app:1 and what the receiver lacks of it. */
  private record Offer(
      String id, TransferPlan plan, Map<Digest, Integer> missing, byte[] records) {}

  /** app:1 made on the sender, planned the receiver's way, with the records of all it lacks. */
  private Offer offerAppV1() throws IOException {
    ImportResult.Image sent = image(sender, "app:1", top("v1"));
    TransferPlan plan = sender.images().transferPlan("app:1", receiver.images().contentCut());
    Map<Digest, Integer> missing = receiver.images().missing(plan);
    return new Offer(sent.id(), plan, missing, records(sent.id(), plan, missing));
  }

  @Test
  void anImageArrivesWholeAndExportsByteForByte() throws IOException {
    ImportResult.Image sent = image(sender, "app:1", top("v1"));
    TransferPlan plan = sender.images().transferPlan("app:1", receiver.images().contentCut());
    assertThat(plan.name()).isEqualTo("app:1");
    Map<Digest, Integer> missing = receiver.images().missing(plan);
    assertThat(missing).containsExactlyInAnyOrderEntriesOf(plan.chunks());

    accept(plan, missing, records(sent.id(), plan, missing));
    ImportResult got = receiver.images().receive(plan);

    assertThat(got.images().get(0).id()).isEqualTo(sent.id());
    assertThat(receiver.images().resolve("app:1")).isEqualTo(sent.id());
    assertThat(export(receiver, "app:1")).isEqualTo(export(sender, "app:1"));
    assertThat(receiver.chunks().root(ChunkIntake.rootName(plan.id()))).isNull();
    assertThat(receiver.chunks().fsck().damaged()).isEmpty();
  }

  @Test
  void onlyTheChunksTheReceiverLacksTravel() throws IOException {
    image(receiver, "app:1", top("v1"));
    ImportResult.Image v2 = image(sender, "app:2", top("v2"));
    TransferPlan plan = sender.images().transferPlan("app:2", receiver.images().contentCut());

    Map<Digest, Integer> missing = receiver.images().missing(plan);
    long all = plan.chunks().values().stream().mapToLong(Integer::longValue).sum();
    long needed = missing.values().stream().mapToLong(Integer::longValue).sum();
    // The base layer is there already; of the top layer only the edited file and its tar-split.
    assertThat(needed).isPositive().isLessThan(all / 20);
    accept(plan, missing, records(v2.id(), plan, missing));

    assertThat(receiver.images().receive(plan).images().get(0).id()).isEqualTo(v2.id());
    assertThat(export(receiver, "app:2")).isEqualTo(export(sender, "app:2"));
  }

  /**
   * A receiver holding the image with a chunk known damaged asks for that chunk and remakes the
   * layer from what arrives, which mends the image it had too; it counted the chunk as present and
   * the image arrived damaged (docs/ADVERSARIAL.md, S3).
   */
  @Test
  void aChunkTheReceiverHoldsDamagedTravelsAndMendsIt() throws IOException {
    ImportResult.Image sent = image(sender, "app:1", top("v1"));
    image(receiver, "app:1", top("v1"));
    receiver.close();
    byte[] big = new byte[400_000];
    new Random(11).nextBytes(big);
    PackDamage.flipIn(dir.resolve("b"), big);
    receiver = new ImageFixture(dir.resolve("b"));
    assertThatThrownBy(() -> export(receiver, "app:1"))
        .as("the damage is found, and so known")
        .isInstanceOf(CorruptDataException.class);

    TransferPlan plan = sender.images().transferPlan("app:1", receiver.images().contentCut());
    Map<Digest, Integer> missing = receiver.images().missing(plan);
    assertThat(missing).as("the damaged chunk is asked for").isNotEmpty();
    accept(plan, missing, records(sent.id(), plan, missing));
    receiver.images().receive(plan);

    assertThat(export(receiver, "app:1")).isEqualTo(export(sender, "app:1"));
    assertThat(receiver.chunks().fsck().damaged()).isEmpty();
  }

  @Test
  void aChunkThatDoesNotMatchItsDigestIsRefusedAndRecordsNothing() throws IOException {
    Offer o = offerAppV1();
    TransferPlan plan = o.plan();
    Map<Digest, Integer> missing = o.missing();
    byte[] records = o.records();
    records[Digest.LENGTH + 9 + 3] ^= 0x40; // inside the first record's payload

    assertThatThrownBy(() -> accept(plan, missing, records))
        .isInstanceOfAny(CorruptDataException.class)
        .hasMessageContaining("chunk " + missing.keySet().iterator().next());
    assertThatThrownBy(() -> receiver.images().receive(plan))
        .isInstanceOf(NotFoundException.class)
        .hasMessageContaining("has not arrived");
    assertThat(receiver.images().list()).isEmpty();
  }

  @Test
  void aChunkNobodyAskedForIsRefused() throws IOException {
    Offer o = offerAppV1();
    TransferPlan plan = o.plan();
    Map<Digest, Integer> missing = o.missing();
    byte[] records = o.records();
    Map<Digest, Integer> fewer = new java.util.HashMap<>(missing);
    fewer.remove(missing.keySet().iterator().next());

    assertThatThrownBy(() -> accept(plan, fewer, records))
        .isInstanceOf(InvalidArgumentException.class)
        .hasMessageContaining("never asked for");
  }

  @Test
  void aTransferCutShortResumesWithoutResendingWhatArrivedEvenAfterGcAndARestart()
      throws IOException {
    Offer o = offerAppV1();
    TransferPlan plan = o.plan();
    Map<Digest, Integer> missing = o.missing();
    byte[] records = o.records();
    byte[] half = Arrays.copyOf(records, records.length / 2);

    assertThatThrownBy(() -> accept(plan, missing, half))
        .isInstanceOf(InvalidArgumentException.class)
        .hasMessageContaining("cut short");
    receiver.chunks().gc();
    receiver.reopen();
    receiver.chunks().gc();

    Map<Digest, Integer> rest = receiver.images().missing(plan);
    assertThat(rest.size()).isPositive().isLessThan(missing.size());
    accept(plan, rest, records(o.id(), plan, rest));
    assertThat(receiver.images().receive(plan).images().get(0).id()).isEqualTo(o.id());
    assertThat(export(receiver, "app:1")).isEqualTo(export(sender, "app:1"));
  }

  @Test
  void filesAreCutTheReceiversWayEvenWhenTheSenderStoresThemOtherwise() throws IOException {
    ImportResult.Image sent = image(sender, "app:1", top("v1"));
    ContentCut records = new ContentCut.Records(32 << 10);
    TransferPlan plan = sender.images().transferPlan("app:1", records);
    assertThat(plan.cut()).isEqualTo("records:32768");
    for (TransferPlan.Layer l : plan.layers()) {
      for (var file : l.files()) {
        for (int i = 0; i < file.size() - 1; i++) {
          assertThat(file.get(i).length()).isEqualTo(32 << 10);
        }
      }
    }
    // in two batches, as a transfer sends them: the second cut from the files the first noted
    acceptInTwoBatches(sent.id(), plan);
    assertThat(receiver.images().receive(plan).images().get(0).id()).isEqualTo(sent.id());
    assertThat(export(receiver, "app:1")).isEqualTo(export(sender, "app:1"));
  }

  /**
   * An image imported from a directory, whose layer's split is version 2 (regenerated from its
   * tree, which the receiver lacks): the plan carries version 1's bytes, cut the receiver's way and
   * cut again when asked for, in one batch and in two, and the image arrives byte for byte.
   */
  @Test
  void aDirectoryImageWhoseSplitIsRegeneratedFromItsTreeArrivesByteForByte() throws IOException {
    Path tree = dir.resolve("tree");
    Files.createDirectories(tree.resolve("usr/share/" + "d".repeat(120)));
    Random r = new Random(3);
    for (int i = 0; i < 30; i++) {
      byte[] b = new byte[r.nextInt(i % 5 == 0 ? 200_000 : 5_000)];
      r.nextBytes(b);
      Files.write(tree.resolve("usr/share/" + "d".repeat(120) + "/f" + i), b);
    }
    Files.createSymbolicLink(tree.resolve("usr/l"), Path.of("share"));
    String id = sender.images().importPath(tree.toString(), "dir:1").images().get(0).id();
    for (ContentCut cut : List.of(receiver.images().contentCut(), new ContentCut.Records(4096))) {
      receiver.close();
      receiver = new ImageFixture(dir.resolve("b-" + cut.text().replace(':', '-')));
      TransferPlan plan = sender.images().transferPlan("dir:1", cut);
      // in two batches, as a transfer sends them: the second cut from the files the first noted
      acceptInTwoBatches(id, plan);
      assertThat(receiver.images().receive(plan).images().get(0).id()).isEqualTo(id);
      assertThat(export(receiver, "dir:1")).isEqualTo(export(sender, "dir:1"));
    }
  }

  /** A layer tar of a dozen files, half text and half random, seeded. */
  private static byte[] layerTar(int seed) throws IOException {
    TarBuilder t = new TarBuilder();
    for (int i = 0; i < 12; i++) {
      t.raw(
          "usr/lib" + seed + "/f" + i,
          i % 2 == 0
              ? io.strata.store.testing.TestData.text(seed * 100 + i, 80_000 + i * 3000)
              : io.strata.store.testing.TestData.random(seed * 100 + i, 50_000));
    }
    return t.bytes();
  }

  private static byte[] compressed(byte[] tar, io.strata.store.image.layer.LayerCodec codec)
      throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (java.io.OutputStream z = codec.wrap(out)) {
      z.write(tar);
    }
    return out.toByteArray();
  }

  /**
   * An OCI layout tagged 1 of three layers in the three ways an image keeps its layer blobs: a gzip
   * of java.util.zip (no recipe reproduces it: kept whole), Strata's gzip and Strata's zstd
   * (recipes give them back).
   */
  private Path threeFormLayout() throws IOException {
    return threeFormLayout("layout", java.util.zip.Deflater.DEFAULT_COMPRESSION);
  }

  /** The layer tars of {@link #threeFormLayout}. */
  private byte[][] tars;

  /** As {@link #threeFormLayout()}, in {@code name}, its first layer zlib's at {@code level}. */
  private Path threeFormLayout(String name, int level) throws IOException {
    if (tars == null) {
      // made once: a tar entry's time is the clock's, and both layouts hold one image
      tars = new byte[][] {layerTar(1), layerTar(2), layerTar(3)};
    }
    ByteArrayOutputStream zlib = new ByteArrayOutputStream();
    try (java.util.zip.GZIPOutputStream g =
        new java.util.zip.GZIPOutputStream(zlib) {
          {
            def.setLevel(level);
          }
        }) {
      g.write(tars[0]);
    }
    byte[][] blobs = {
      zlib.toByteArray(),
      compressed(tars[1], io.strata.store.image.layer.LayerCodec.GZIP),
      compressed(tars[2], io.strata.store.image.layer.LayerCodec.ZSTD)
    };
    String gzip = "application/vnd.oci.image.layer.v1.tar+gzip";
    return OciLayout.write(
        dir.resolve(name),
        "1",
        List.of(
            new OciLayout.Layer(tars[0], blobs[0], gzip),
            new OciLayout.Layer(tars[1], blobs[1], gzip),
            new OciLayout.Layer(tars[2], blobs[2], "application/vnd.oci.image.layer.v1.tar+zstd")));
  }

  /**
   * An image loaded from an OCI layout keeps the manifest it arrived with across a transfer, to a
   * receiver cutting files as the sender does and to one cutting them otherwise: the receiver
   * exports every blob and the manifest byte for byte (the same digests, so pinned references
   * hold), shows the manifest's digest as RepoDigests, and keeps the blob no recipe reproduces
   * (docs/ADVERSARIAL.md, T2: the receiver made new gzip layers, new digests, no RepoDigests).
   */
  @Test
  void theManifestAnImageArrivedWithTravelsAndComesBackByteForByte() throws IOException {
    Path layout = threeFormLayout();
    String id = sender.images().importPath(layout.toString(), "reg/app:1").images().get(0).id();
    assertThat(new io.strata.store.blob.BlobService(sender.chunks()).list())
        .as("the java.util.zip layer is kept whole, the others by recipe")
        .hasSize(1);
    Digest kept = new io.strata.store.blob.BlobService(sender.chunks()).list().get(0).digest();
    for (ContentCut cut : List.of(receiver.images().contentCut(), new ContentCut.Records(4096))) {
      receiver.close();
      receiver = new ImageFixture(dir.resolve("b-" + cut.text().replace(':', '-')));
      TransferPlan plan =
          TransferPlan.decode(
              new ByteArrayInputStream(sender.images().transferPlan("reg/app:1", cut).encode()),
              "plan");
      assertThat(plan.arrived()).isNotNull();
      // in two batches, as a transfer sends them: the second cut from the files the first noted
      acceptInTwoBatches(id, plan);
      assertThat(receiver.images().receive(plan).images().get(0).id()).isEqualTo(id);

      Path out = dir.resolve("out-" + cut.text().replace(':', '-'));
      receiver.images().exportLayout("reg/app:1", out);
      try (var blobs = Files.list(layout.resolve("blobs/sha256"))) {
        for (Path blob : blobs.toList()) {
          Path got = out.resolve("blobs/sha256").resolve(blob.getFileName());
          assertThat(got).as("%s exported", blob.getFileName()).exists();
          assertThat(Files.readAllBytes(got)).isEqualTo(Files.readAllBytes(blob));
        }
      }
      assertThat(OciLayout.manifestDigest(out)).isEqualTo(OciLayout.manifestDigest(layout));
      assertThat(receiver.images().inspect("reg/app:1").repoDigests())
          .containsExactly("reg/app@" + OciLayout.manifestDigest(layout));
      assertThat(new io.strata.store.blob.BlobService(receiver.chunks()).list())
          .extracting(b -> b.digest())
          .containsExactly(kept);
      assertThat(receiver.chunks().fsck().damaged()).isEmpty();
    }
  }

  /**
   * The same image arriving again with another manifest, whose layer blob kept whole is another
   * (zlib at another level), travels after a transfer of the first one noted where its pieces lie:
   * the pieces of the new blob were refused as "not part of image" until the sender restarted
   * (docs/ADVERSARIAL.md, V8).
   */
  @Test
  void anImageThatArrivedAgainWithAnotherKeptBlobTravelsAfterATransferOfTheFirst()
      throws IOException {
    ContentCut cut = new ContentCut.Records(4096);
    Path first = threeFormLayout();
    String id = sender.images().importPath(first.toString(), "reg/app:1").images().get(0).id();
    TransferPlan plan = sender.images().transferPlan("reg/app:1", cut);
    Map<Digest, Integer> missing = receiver.images().missing(plan);
    accept(plan, missing, records(id, plan, missing));
    receiver.images().receive(plan);

    Path second = threeFormLayout("fast", java.util.zip.Deflater.BEST_SPEED);
    assertThat(sender.images().importPath(second.toString(), "reg/app:2").images().get(0).id())
        .as("the same image, another manifest")
        .isEqualTo(id);
    assertThat(new io.strata.store.blob.BlobService(sender.chunks()).list()).hasSize(2);
    receiver.close();
    receiver = new ImageFixture(dir.resolve("b2"));
    TransferPlan again = sender.images().transferPlan("reg/app:2", cut);
    acceptInTwoBatches(id, again);
    receiver.images().receive(again);
    Path out = dir.resolve("out2");
    receiver.images().exportLayout("reg/app:2", out);
    assertThat(OciLayout.manifestDigest(out)).isEqualTo(OciLayout.manifestDigest(second));
  }

  /**
   * An image that arrived with two manifests goes, named by {@code REPOSITORY@DIGEST}, with the
   * manifest that digest names (not the latest), and arrives untagged, pulled by that reference; by
   * id, with the manifest an export by id writes on the sender (V1, V3).
   */
  @Test
  void aDigestReferenceSendsTheManifestItNamesAndAnIdTheOneAnExportWrites() throws IOException {
    Path first = threeFormLayout();
    String id = sender.images().importPath(first.toString(), "reg/app:1").images().get(0).id();
    Path second = threeFormLayout("fast", java.util.zip.Deflater.BEST_SPEED);
    sender.images().importPath(second.toString(), "reg/app:2");
    String ref = "reg/app@" + OciLayout.manifestDigest(first);

    TransferPlan plan = sender.images().transferPlan(ref, receiver.images().contentCut());
    assertThat(plan.name()).isEqualTo(ref);
    byte[] m = plan.arrived().manifest();
    assertThat(Digest.sha256(m, 0, m.length).toString()).isEqualTo(OciLayout.manifestDigest(first));
    acceptInTwoBatches(id, plan);
    receiver.images().receive(plan);
    assertThat(receiver.images().inspect(ref).repoTags()).isEmpty();
    assertThat(receiver.images().inspect(ref).repoDigests()).contains(ref);
    Path out = dir.resolve("by-digest");
    receiver.images().exportLayout(ref, out);
    assertThat(OciLayout.manifestDigest(out)).isEqualTo(OciLayout.manifestDigest(first));

    Path sent = dir.resolve("sender-by-id");
    sender.images().exportLayout(id, sent);
    TransferPlan byId = sender.images().transferPlan(id, receiver.images().contentCut());
    byte[] idManifest = byId.arrived().manifest();
    assertThat(Digest.sha256(idManifest, 0, idManifest.length).toString())
        .isEqualTo(OciLayout.manifestDigest(sent));
  }

  /** A plan named by a digest that is not its manifest's is refused before anything is asked. */
  @Test
  void aPlanNamedByAnotherDigestThanItsManifestsIsRefused() throws IOException {
    sender.images().importPath(threeFormLayout().toString(), "reg/app:1");
    TransferPlan plan = sender.images().transferPlan("reg/app:1", receiver.images().contentCut());
    TransferPlan lying = plan.named("reg/app@sha256:" + "7".repeat(64));
    assertThatThrownBy(() -> receiver.images().missing(lying))
        .isInstanceOf(InvalidArgumentException.class)
        .hasMessageContaining("not the digest of the manifest it carries");
  }

  /**
   * A plan whose recipe does not give back the blob its manifest names (a lying or broken peer) is
   * refused naming the blob, and nothing stays: no image, no layer, no blob kept whole.
   */
  @Test
  void aRecipeThatDoesNotGiveItsBlobBackIsRefusedAndNothingStays() throws IOException {
    Path layout = threeFormLayout();
    String id = sender.images().importPath(layout.toString(), "reg/app:1").images().get(0).id();
    TransferPlan plan = sender.images().transferPlan("reg/app:1", receiver.images().contentCut());
    TransferPlan.LayerBlob gzip = plan.arrived().blobs().get(1);
    String other = "sha256:" + "5".repeat(64);
    List<TransferPlan.LayerBlob> blobs = new java.util.ArrayList<>(plan.arrived().blobs());
    blobs.set(
        1,
        new TransferPlan.LayerBlob(
            other, gzip.mediaType(), gzip.size(), gzip.form(), gzip.recipe(), gzip.whole()));
    byte[] manifest =
        new String(plan.arrived().manifest(), java.nio.charset.StandardCharsets.UTF_8)
            .replace(gzip.digest(), other)
            .getBytes(java.nio.charset.StandardCharsets.UTF_8);
    TransferPlan lying =
        new TransferPlan(
            plan.cut(),
            plan.name(),
            plan.config(),
            plan.layers(),
            new TransferPlan.Arrived(manifest, plan.arrived().type(), blobs));
    Map<Digest, Integer> missing = receiver.images().missing(lying);
    accept(lying, missing, records(id, lying, missing));

    // the regenerated blob is checked as its last bytes are read, as an export checks it
    assertThatThrownBy(() -> receiver.images().receive(lying))
        .isInstanceOf(CorruptDataException.class)
        .hasMessageStartingWith("transferred image " + id + " layer blob " + other)
        .hasMessageContaining("not " + other);
    assertThatThrownBy(() -> receiver.images().resolve("reg/app:1"))
        .isInstanceOf(NotFoundException.class);
    assertThat(new io.strata.store.blob.BlobService(receiver.chunks()).list()).isEmpty();
    assertThat(receiver.layers().all()).isEmpty();
  }

  @Test
  void aDamagedPlanIsRefusedWithItsName() {
    byte[] junk = "STRPLAN2\0\3cdc".getBytes();
    assertThatThrownBy(
            () -> TransferPlan.decode(new ByteArrayInputStream(junk), "plan from host a"))
        .isInstanceOf(InvalidArgumentException.class)
        .hasMessageStartingWith("plan from host a");
  }

  @Test
  void aTransferGivenUpOnIsUnpinnedAfterADayAndGcTakesItsChunks() throws IOException {
    Offer o = offerAppV1();
    java.time.Instant t0 = java.time.Instant.parse("2026-11-28T12:00:00Z");
    try (ChunkIntake in =
        new ChunkIntake(
            receiver.chunks(), o.plan(), java.time.Clock.fixed(t0, java.time.ZoneOffset.UTC))) {
      in.accept(new ByteArrayInputStream(o.records()), o.missing(), "host a");
    }
    long held = receiver.chunks().stats().chunks();
    java.time.Duration day = java.time.Duration.ofDays(1);

    assertThat(ChunkIntake.dropIdle(receiver.chunks(), day, clockAt(t0.plusSeconds(23 * 3600))))
        .isZero();
    receiver.chunks().gc();
    assertThat(receiver.chunks().stats().chunks()).isEqualTo(held);

    assertThat(ChunkIntake.dropIdle(receiver.chunks(), day, clockAt(t0.plusSeconds(25 * 3600))))
        .isOne();
    assertThat(receiver.chunks().gc().chunksRemoved()).isPositive();
    assertThatThrownBy(() -> ChunkIntake.offered(receiver.chunks(), o.plan().id()))
        .isInstanceOf(NotFoundException.class);
  }

  private static java.time.Clock clockAt(java.time.Instant t) {
    return java.time.Clock.fixed(t, java.time.ZoneOffset.UTC);
  }

  @Test
  void twoTransfersOfOneImageAtOncePinWhatEachReceived() throws IOException {
    Offer o = offerAppV1();
    Map<Digest, Integer> first = new java.util.LinkedHashMap<>();
    Map<Digest, Integer> second = new java.util.LinkedHashMap<>();
    o.missing().forEach((d, n) -> (first.size() <= second.size() ? first : second).put(d, n));
    ChunkIntake one = new ChunkIntake(receiver.chunks(), o.plan());
    ChunkIntake two = new ChunkIntake(receiver.chunks(), o.plan());
    one.accept(new ByteArrayInputStream(records(o.id(), o.plan(), first)), first, "host a");
    two.accept(new ByteArrayInputStream(records(o.id(), o.plan(), second)), second, "host a");
    one.close();
    two.close();
    receiver.chunks().gc();

    assertThat(receiver.images().missing(o.plan())).isEmpty();
    assertThat(receiver.images().receive(o.plan()).images().get(0).id()).isEqualTo(o.id());
  }
}
