package io.strata.server.registry;

import static org.assertj.core.api.Assertions.assertThat;

import io.strata.store.blob.BlobService;
import io.strata.store.digest.Digest;
import io.strata.store.image.ImageFixture;
import io.strata.store.image.TarBuilder;
import io.strata.store.registry.Descriptor;
import io.strata.store.registry.ManifestDocument;
import io.strata.store.registry.RegistryStore;
import io.strata.store.registry.StagedBlobs;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a failed import of a pushed image does with its pending record: a manifest that is no image
 * Strata imports is dropped with one warning; one that failed for an I/O error stays pending and is
 * tried again, by its timer or at once when a recipe job stores a layer, until it runs.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ImageBridgeTest {
  private static final String REPO = "acc/app";
  private static final String MANIFEST = "application/vnd.oci.image.manifest.v1+json";

  @TempDir Path dir;
  private ImageFixture fix;
  private StagedBlobs staged;
  private RegistryStore registry;
  private RecipeJobs recipes;
  private ImageBridge bridge;
  private final io.strata.store.engine.StopSignal stop = new io.strata.store.engine.StopSignal();
  private final List<LogRecord> logged = new CopyOnWriteArrayList<>();
  private final Logger log = Logger.getLogger(ImageBridge.class.getName());
  private final Handler handler =
      new Handler() {
        @Override
        public void publish(LogRecord r) {
          logged.add(r);
        }

        @Override
        public void flush() {}

        @Override
        public void close() {}
      };

  @BeforeEach
  void open() throws IOException {
    fix = new ImageFixture(dir.resolve("store"));
    staged = new StagedBlobs(dir.resolve("staged"));
    registry = new RegistryStore(fix.chunks(), new BlobService(fix.chunks()), staged);
    // jobs that leave every layer staged: the imports read the staged files
    recipes = new RecipeJobs(registry, d -> {}, Duration.ofSeconds(1));
    bridge =
        new ImageBridge(
            registry,
            fix.images(),
            id -> false,
            dir.resolve("tmp"),
            recipes,
            Runnable::run,
            new Failures(dir.resolve("store")),
            stop);
    log.addHandler(handler);
  }

  @AfterEach
  void close() throws IOException {
    log.removeHandler(handler);
    bridge.close();
    recipes.close();
    fix.close();
  }

  private static Digest sha(byte[] b) {
    return Digest.sha256(b, 0, b.length);
  }

  private static byte[] gzip(byte[] b) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (OutputStream gz = new GZIPOutputStream(out)) {
      gz.write(b);
    }
    return out.toByteArray();
  }

  /**
   * Pushes a gzip layer of {@code tar} (staged), a config naming {@code diffId} and the manifest
   * tagged {@code tag}, its import recorded as pending; returns the manifest's descriptor.
   */
  private Descriptor push(String tag, byte[] tar, Digest diffId) throws IOException {
    byte[] layer = gzip(tar);
    Path spool = dir.resolve("spool");
    Files.write(spool, layer);
    assertThat(registry.putBlobFileStaged(REPO, sha(layer), spool)).isTrue();
    Files.delete(spool);
    byte[] config =
        ("{\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":{},"
                + "\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\""
                + diffId
                + "\"]}}")
            .getBytes(StandardCharsets.UTF_8);
    registry.putBlob(REPO, sha(config), new ByteArrayInputStream(config));
    byte[] manifest =
        ("{\"schemaVersion\":2,\"mediaType\":\""
                + MANIFEST
                + "\",\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\","
                + "\"digest\":\""
                + sha(config)
                + "\",\"size\":"
                + config.length
                + "},\"layers\":[{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar+gzip\","
                + "\"digest\":\""
                + sha(layer)
                + "\",\"size\":"
                + layer.length
                + "}]}")
            .getBytes(StandardCharsets.UTF_8);
    Descriptor d = registry.putManifest(REPO, tag, manifest, MANIFEST, true);
    assertThat(registry.pendingImports()).hasSize(1);
    return d;
  }

  private void importNow(String tag, Descriptor d) throws Exception {
    ManifestDocument doc = RegistryStore.read(registry.manifestBytes(d), d.mediaType(), "m");
    bridge.importLater(REPO, tag, d, doc, true).get(30, TimeUnit.SECONDS);
  }

  private List<String> warnings() {
    return logged.stream()
        .filter(r -> r.getLevel() == Level.WARNING)
        .map(r -> new java.text.MessageFormat(r.getMessage()).format(r.getParameters()))
        .toList();
  }

  @Test
  void aManifestThatIsNoImageStrataImportsIsDroppedWithOneWarning() throws Exception {
    byte[] tar = new TarBuilder().file("etc/one", "one\n").bytes();
    Digest wrong = sha("not the layer".getBytes(StandardCharsets.UTF_8));
    Descriptor d = push("1", tar, wrong);
    importNow("1", d);
    assertThat(registry.pendingImports()).as("dropped: it fails the same way each time").isEmpty();
    assertThat(bridge.holdsImage(REPO, "1")).isFalse();
    assertThat(warnings())
        .singleElement()
        .asString()
        .startsWith("manifest " + REPO + ":1 stored, but not made a Strata image: ")
        .doesNotContain("tried again");
  }

  @Test
  void anImportFailingForAnIoErrorStaysPendingAndRunsOnceTheErrorPasses() throws Exception {
    byte[] tar = new TarBuilder().file("etc/two", "two\n").bytes();
    Descriptor d = push("2", tar, sha(tar));
    Path file = staged.file(layerOf(d));
    Path aside = dir.resolve("aside");
    Files.move(file, aside);
    Files.createDirectory(file); // the staged layer unreadable: an I/O error, no bad content
    importNow("2", d);
    assertThat(bridge.holdsImage(REPO, "2")).isFalse();
    assertThat(registry.pendingImports()).as("kept, to be tried again").hasSize(1);
    assertThat(warnings())
        .singleElement()
        .asString()
        .startsWith("manifest " + REPO + ":2 stored, but not made a Strata image yet (attempt 1)")
        .endsWith("tried again in " + ImageBridge.RETRY_DELAY.toSeconds() + " s");

    Files.delete(file);
    Files.move(aside, file);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (!bridge.holdsImage(REPO, "2")) {
      assertThat(System.nanoTime()).as("tried again by its timer").isLessThan(deadline);
      Thread.sleep(50);
    }
    while (!registry.pendingImports().isEmpty()) {
      assertThat(System.nanoTime()).as("its record cleared").isLessThan(deadline);
      Thread.sleep(50);
    }
  }

  @Test
  void aLayerStoredTriesTheWaitingImportsAtOnce() throws Exception {
    byte[] tar = new TarBuilder().file("etc/three", "three\n").bytes();
    Descriptor d = push("3", tar, sha(tar));
    Path file = staged.file(layerOf(d));
    Path aside = dir.resolve("aside");
    Files.move(file, aside);
    Files.createDirectory(file);
    long failed = System.nanoTime();
    importNow("3", d);
    assertThat(registry.pendingImports()).hasSize(1);
    Files.delete(file);
    Files.move(aside, file);
    bridge.retryWaiting(); // what a recipe job's end calls
    // well before its timer, which would try it RETRY_DELAY after the failure
    long before = failed + ImageBridge.RETRY_DELAY.toNanos() - TimeUnit.MILLISECONDS.toNanos(500);
    while (!bridge.holdsImage(REPO, "3")) {
      assertThat(System.nanoTime()).as("tried again at once").isLessThan(before);
      Thread.sleep(20);
    }
  }

  /**
   * A server's stop ends an import in progress at its next read of a layer, on the import's own
   * thread: no interrupt inside the store's file I/O, no "truncated or corrupt tar" (which cleared
   * the record for good), no retry; the import stays pending for the next start
   * (docs/ADVERSARIAL.md, H9).
   */
  @Test
  void anImportStoppedWithTheServerStaysPendingWithoutAWarning() throws Exception {
    byte[] big = new byte[24 << 20];
    new java.util.Random(9).nextBytes(big);
    byte[] tar = new TarBuilder().raw("big", big).bytes();
    Descriptor d = push("4", tar, sha(tar));
    ManifestDocument doc = RegistryStore.read(registry.manifestBytes(d), d.mediaType(), "m");
    long before = packBytes();
    var imported = bridge.importLater(REPO, "4", d, doc, true);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (packBytes() < before + (2 << 20)) { // under way: part of the layer stored
      assertThat(imported).as("still importing").isNotDone();
      assertThat(System.nanoTime()).as("the import made no progress").isLessThan(deadline);
      Thread.sleep(5);
    }
    stop.raise();
    imported.get(30, TimeUnit.SECONDS);
    assertThat(bridge.holdsImage(REPO, "4")).isFalse();
    assertThat(registry.pendingImports()).as("kept, for the next start").hasSize(1);
    assertThat(warnings()).isEmpty();
    assertThat(logged)
        .anySatisfy(
            r -> assertThat(r.getMessage()).contains("its import was stopped with the server"));
  }

  /** The bytes of the store's pack files. */
  private long packBytes() throws IOException {
    try (var files = Files.walk(dir.resolve("store"))) {
      return files
          .filter(p -> p.getFileName().toString().endsWith(".pack"))
          .mapToLong(
              p -> {
                try {
                  return Files.size(p);
                } catch (IOException e) {
                  return 0; // sealed and renamed meanwhile
                }
              })
          .sum();
    }
  }

  @Test
  void theRetryDelayDoublesUpToAMinute() {
    assertThat(ImageBridge.delay(1)).isEqualTo(Duration.ofSeconds(5));
    assertThat(ImageBridge.delay(2)).isEqualTo(Duration.ofSeconds(10));
    assertThat(ImageBridge.delay(4)).isEqualTo(Duration.ofSeconds(40));
    assertThat(ImageBridge.delay(5)).isEqualTo(ImageBridge.MAX_RETRY_DELAY);
    assertThat(ImageBridge.delay(1000)).isEqualTo(ImageBridge.MAX_RETRY_DELAY);
  }

  /** The layer of the image manifest {@code d}. */
  private Digest layerOf(Descriptor d) throws IOException {
    ManifestDocument doc = RegistryStore.read(registry.manifestBytes(d), d.mediaType(), "m");
    return doc.blobs().stream().filter(staged::has).findFirst().orElseThrow();
  }
}
