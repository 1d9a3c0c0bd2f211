package io.strata.store.fleet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.strata.store.driver.BlockTestDriver;
import io.strata.store.driver.DriverFixture;
import io.strata.store.driver.Recountable;
import io.strata.store.engine.ChunkStore;
import io.strata.store.error.ConflictException;
import io.strata.store.error.NotFoundException;
import io.strata.store.image.CataloguedImage;
import io.strata.store.image.ImageStore;
import io.strata.store.image.OciLayout;
import io.strata.store.image.archive.ExportFormat;
import io.strata.store.remote.ObjectStore;
import io.strata.store.remote.SharedSettings;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.roaringbitmap.RoaringBitmap;

/**
 * The fleet's catalogue on two nodes sharing a bucket in memory: every tag a node makes is
 * published, however the node came by the image, and a node that restarts publishes only what it
 * did to its tags and the catalogue lacks, so a tag another node removed or moved stays so.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class CatalogueTest {
  @TempDir Path dir;
  private final FlakyBucket bucket = new FlakyBucket();
  private Node a;
  private Node b;

  /** A data root on the bucket: its chunks, driver, images and catalogue; restartable. */
  private final class Node implements AutoCloseable {
    final DriverFixture fix;
    ImageStore images;
    Catalogue catalogue;

    Node(String name) throws IOException {
      fix =
          new DriverFixture(
              dir.resolve(name),
              BlockTestDriver.PROVIDER,
              ChunkStore.Options.defaults()
                  .withShared(new SharedSettings(bucket, 64L << 20, 3_600_000, 1_000)));
      start();
    }

    private void start() throws IOException {
      images = new ImageStore(fix.chunks(), fix.driver(), fix.dir().resolve("tmp"));
      catalogue = Catalogue.start(fix.chunks(), images);
    }

    /** Stops the catalogue only: what the node does now the catalogue does not hear of. */
    void stopPublishing() {
      catalogue.close();
    }

    /** A stop and a start of the whole node. */
    void restart() throws Exception {
      catalogue.close();
      fix.reopen();
      start();
      settle();
    }

    void settle() throws InterruptedException {
      catalogue.awaitPublished(60_000);
    }

    String importImage(String tag, String content) throws IOException {
      return images
          .importLayerTar(new ByteArrayInputStream(tar(content)), tag, tag)
          .images()
          .get(0)
          .id();
    }

    @Override
    public void close() throws IOException {
      catalogue.close();
      fix.close();
    }
  }

  @AfterEach
  void close() throws IOException {
    for (Node n : new Node[] {a, b}) {
      if (n != null) {
        n.close();
      }
    }
  }

  private static byte[] tar(String content) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (TarArchiveOutputStream t = new TarArchiveOutputStream(out)) {
      byte[] b = content.getBytes(StandardCharsets.UTF_8);
      TarArchiveEntry e = new TarArchiveEntry("etc/file");
      e.setSize(b.length);
      e.setMode(0644);
      e.setModTime(1_700_000_000_000L);
      t.putArchiveEntry(e);
      t.write(b);
      t.closeArchiveEntry();
    }
    return out.toByteArray();
  }

  /** The image id the catalogue names by {@code tag}, or null. */
  private String catalogued(String tag) throws IOException {
    byte[] b = bucket.get(Catalogue.TAGS + tag.replace(":", "%3A"));
    return b == null ? null : CataloguedImage.parse(b, tag).id();
  }

  @Test
  void aTagMadeOnANodeThatGotTheImageFromTheCatalogueIsPublished() throws Exception {
    a = new Node("a");
    b = new Node("b");
    String id = a.importImage("a:1", "one");
    a.settle();
    assertThat(catalogued("a:1")).isEqualTo(id);

    // B makes a:1 from the catalogue to tag it e:1: e:1 is B's, and published.
    b.images.tag("a:1", "e:1");
    b.settle();
    assertThat(catalogued("e:1")).isEqualTo(id);
    assertThat(a.images.resolveFetching("e:1")).isEqualTo(id);

    // An import on B that yields the same image, under a new tag, is published too.
    assertThat(b.importImage("d:1", "one")).isEqualTo(id);
    b.settle();
    assertThat(catalogued("d:1")).isEqualTo(id);
    assertThat(a.images.resolveFetching("d:1")).isEqualTo(id);
  }

  /**
   * An image first imported from a plain tar (no manifest) and pushed later with a gzip layer: the
   * catalogue kept the first plan for good, so other nodes served a manifest of their own under the
   * tag and knew nothing of the pushed digest (AM1). Each manifest now has its plan, the tag names
   * the one it exports, and a pull by the pushed digest finds it on a node that never saw the tag.
   */
  @Test
  void aManifestAnImageArrivesWithLaterReachesTheOtherNodes() throws Exception {
    a = new Node("a");
    b = new Node("b");
    String id = a.importImage("p:1", "pushed later");
    a.settle();
    assertThat(catalogued("p:1")).isEqualTo(id);
    String pushed =
        OciLayout.gzipCopy(a.images, "p:1", dir.resolve("plain"), dir.resolve("pushed"));
    assertThat(a.images.importPath(dir.resolve("pushed").toString(), "p:1").images().get(0).id())
        .isEqualTo(id);
    a.settle();
    assertThat(manifestOf(a, "p:1")).isEqualTo(pushed);
    assertThat(catalogueEntry("p:1").manifest()).isEqualTo(pushed);

    // B never saw p:1: a pull by the pushed digest finds the image, then the tag exports it too.
    assertThat(b.images.resolveFetching("p@" + pushed)).isEqualTo(id);
    assertThat(manifestOf(b, "p@" + pushed)).isEqualTo(pushed);
    assertThat(b.images.resolveFetching("p:1")).isEqualTo(id);
    assertThat(manifestOf(b, "p:1")).isEqualTo(pushed);
  }

  /**
   * A tag with no manifest of its own exports the image's latest: another tag arriving with one, or
   * a pull by digest, changes what it exports without a write to it. That is not the node's doing,
   * and is not published: publishing it rolled back what another node did to the tag since (AP2).
   * And a digest is no key to another repository's images (AP1).
   */
  @Test
  void aTagWhoseExportedManifestChangesWithoutAWriteToItIsNotPublished() throws Exception {
    a = new Node("a");
    b = new Node("b");
    String id = a.importImage("s:1", "another tag's manifest");
    a.settle();
    assertThat(b.images.resolveFetching("s:1")).isEqualTo(id);
    String pushed =
        OciLayout.gzipCopy(a.images, "s:1", dir.resolve("plain"), dir.resolve("pushed"));
    a.images.importPath(dir.resolve("pushed").toString(), "s:2");
    a.settle();
    assertThat(manifestOf(a, "s:1")).isEqualTo(pushed);
    assertThat(catalogueEntry("s:1")).isEqualTo(new CataloguedImage(id, null, true));
    assertThat(catalogueEntry("s:2").manifest()).isEqualTo(pushed);

    // B pulls s@pushed by digest: its s:1 exports it now, and B publishes nothing either
    assertThat(b.images.resolveFetching("s@" + pushed)).isEqualTo(id);
    assertThat(manifestOf(b, "s:1")).isEqualTo(pushed);
    b.settle();
    a.restart();
    b.restart();
    assertThat(catalogueEntry("s:1")).isEqualTo(new CataloguedImage(id, null, true));

    assertThatThrownBy(() -> b.images.resolveFetching("t@" + pushed))
        .isInstanceOf(NotFoundException.class);

    // once no tag of the repository names the manifest (s:2 removed), a node that lacks it does
    // not make it from the catalogue by its digest (AR3: a deleted manifest came back so)
    a.images.remove("s:2", x -> false);
    a.settle();
    try (Node c = new Node("c")) {
      assertThatThrownBy(() -> c.images.resolveFetching("s@" + pushed))
          .isInstanceOf(NotFoundException.class);
      assertThat(c.images.resolveFetching("s:1")).isEqualTo(id);
    }
  }

  /** What the catalogue's tag object names by {@code tag}. */
  private CataloguedImage catalogueEntry(String tag) {
    return CataloguedImage.parse(bucket.get(Catalogue.TAGS + tag.replace(":", "%3A")), tag);
  }

  /** The digest of the manifest an export of {@code ref} on {@code node} gives. */
  private String manifestOf(Node node, String ref) throws IOException {
    Path out = dir.resolve("export-" + System.nanoTime());
    node.images.exportLayout(ref, out);
    return OciLayout.manifestDigest(out);
  }

  @Test
  void aRestartDoesNotBringBackATagRemovedElsewhere() throws Exception {
    a = new Node("a");
    b = new Node("b");
    String id = a.importImage("gone:1", "gone");
    a.settle();
    assertThat(b.images.resolveFetching("gone:1")).isEqualTo(id); // B makes it from the catalogue
    a.images.remove("gone:1", x -> false);
    a.settle();
    assertThat(catalogued("gone:1")).isNull();

    b.restart();
    assertThat(catalogued("gone:1")).isNull();
    assertThatThrownBy(() -> a.images.resolveFetching("gone:1"))
        .isInstanceOf(NotFoundException.class);
    // B still has the image it made: the removal was the catalogue's, not B's.
    assertThat(b.images.resolve("gone:1")).isEqualTo(id);

    // The node that made the tag, restarted after another node removed it, does not republish it.
    String t = a.importImage("t:1", "t");
    a.settle();
    b.images.resolveFetching("t:1");
    b.images.remove("t:1", x -> false);
    b.settle();
    assertThat(catalogued("t:1")).isNull();
    a.restart();
    assertThat(catalogued("t:1")).isNull();
    assertThat(a.images.resolve("t:1")).isEqualTo(t);
  }

  @Test
  void aRestartDoesNotRollBackAMovedTagNorDoesAStaleRemovalDeleteIt() throws Exception {
    a = new Node("a");
    b = new Node("b");
    String x = a.importImage("m:1", "x");
    a.settle();
    assertThat(b.images.resolveFetching("m:1")).isEqualTo(x);
    String y = a.importImage("m:1", "y"); // moved on A
    a.settle();
    assertThat(catalogued("m:1")).isEqualTo(y);
    b.restart();
    assertThat(catalogued("m:1")).isEqualTo(y);
    // B removes its stale m:1: the catalogue's m:1 is A's newer one, and stays.
    b.images.remove("m:1", i -> false);
    b.settle();
    assertThat(catalogued("m:1")).isEqualTo(y);
  }

  @Test
  void whatANodeDidWhileItCouldNotPublishIsCarriedWhenItStarts() throws Exception {
    a = new Node("a");
    String gone = a.importImage("q:1", "q");
    a.settle();
    assertThat(catalogued("q:1")).isEqualTo(gone);
    a.stopPublishing(); // a stop before publishing, as a crash leaves it
    String made = a.importImage("p:1", "p");
    a.images.remove("q:1", i -> false);
    a.restart();
    assertThat(catalogued("p:1")).isEqualTo(made);
    assertThat(catalogued("q:1")).isNull();
  }

  @Test
  void aTagRemovedHereIsNotMadeAgainFromTheCatalogueBeforeTheRemovalIsCarried() throws Exception {
    a = new Node("a");
    String id = a.importImage("r:1", "r");
    a.settle();
    bucket.refuseTagDeletes = true; // the removal cannot reach the catalogue yet
    a.images.remove("r:1", i -> false);
    a.settle();
    assertThat(catalogued("r:1")).isEqualTo(id);
    assertThatThrownBy(() -> a.images.resolveFetching("r:1")).isInstanceOf(NotFoundException.class);
    bucket.refuseTagDeletes = false;
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (catalogued("r:1") != null && System.nanoTime() < deadline) {
      Thread.sleep(100);
    }
    assertThat(catalogued("r:1")).isNull();
  }

  /**
   * A node answers a fleet gc's condemned set with every chunk its roots hold, an image it made
   * from the catalogue just before included, so gc keeps them; until the gc's end reaches the node,
   * reading them (export, fsck's tree check) must not treat them as missing, while a new import of
   * the same bytes still stores them anew rather than come to depend on condemned chunks.
   */
  @Test
  void anImageMadeFromTheCatalogueStaysReadableWhileItsChunksAreCondemned() throws Exception {
    a = new Node("a");
    b = new Node("b");
    String content = "condemned ".repeat(20_000);
    String id = a.importImage("dd:1", content);
    String other = a.importImage("ee:1", "other ".repeat(20_000));
    a.settle();
    a.images.remove("dd:1", x -> false);
    a.images.remove("ee:1", x -> false);
    a.settle();
    assertThat(b.images.resolveFetching(id)).isEqualTo(id);
    b.images.tag(id, "keep:1");
    ByteArrayOutputStream expected = new ByteArrayOutputStream();
    b.images.export(id, ExportFormat.OCI, expected);
    b.restart(); // nothing of the image cached: every read below goes to the store

    // The fleet's condemned set, planned before B made the image, names all of its chunks.
    ChunkStore chunks = b.fix.chunks();
    RoaringBitmap all = chunks.chunksIn(chunks.shared().lengths().keySet());
    assertThat(all.isEmpty()).isFalse();
    bucket.put(FleetGc.CONDEMNED, new LiveSet(1, 1, all).encode(LiveSet.CONDEMNED));
    RoaringBitmap live = chunks.condemnAndCollectLive(all);
    assertThat(RoaringBitmap.and(all, live).isEmpty()).isFalse(); // B's answer keeps the image

    ByteArrayOutputStream out = new ByteArrayOutputStream();
    b.images.export(id, ExportFormat.OCI, out);
    assertThat(out.toByteArray()).isEqualTo(expected.toByteArray());
    assertThat(((Recountable) b.fix.driver()).check()).isEmpty();
    // A new reference to the same bytes does not use a condemned chunk, nor does an image made
    // from the catalogue, which is refused at once, saying why.
    assertThat(chunks.idOf(chunks.digest(all.first()))).isEqualTo(-1);
    assertThatThrownBy(() -> b.images.resolveFetching(other))
        .isInstanceOf(ConflictException.class)
        .hasMessageContaining("of its chunks are condemned by the fleet's gc running now");
  }

  /**
   * The chunks of an image no tag names are reclaimed by the fleet's gc; a node asked for it then
   * says so at once, not that they are "not uploaded yet" after a wait.
   */
  @Test
  @SuppressWarnings("try") // a member serves the fleet from its own thread while it is open
  void anImageWhoseChunksGcReclaimedIsReportedSo() throws Exception {
    a = new Node("a");
    b = new Node("b");
    try (FleetGc fa = FleetGc.join(a.fix.chunks());
        FleetGc fb = FleetGc.join(b.fix.chunks())) {
      String id = a.importImage("rc:1", "reclaimed ".repeat(50_000));
      a.settle();
      a.images.remove("rc:1", x -> false);
      a.settle();
      assertThat(a.fix.chunks().gc().chunksRemoved()).isPositive();
      assertThat(bucket.get(Catalogue.RECLAIMED + id.substring(7))).isNotNull();
      long t0 = System.nanoTime();
      assertThatThrownBy(() -> b.images.resolveFetching(id))
          .isInstanceOf(NotFoundException.class)
          .hasMessageContaining("of its chunks were reclaimed by fleet gc");
      assertThat(System.nanoTime() - t0).isLessThan(TimeUnit.SECONDS.toNanos(10));
    }
  }

  /**
   * A chunk a node found damaged in the bucket was counted missing, and the node said, after a 30 s
   * wait, that the image's maker "has not uploaded" it (X2): it is named as damage at once, and
   * once the bucket's copy is mended the image is made without a restart.
   */
  @Test
  void aChunkFoundDamagedInTheBucketIsNamedSoAndReadAgainOnceMended() throws Exception {
    a = new Node("a");
    b = new Node("b");
    String id =
        a.importImage(
            "dm:1",
            java.util.HexFormat.of()
                .formatHex(io.strata.store.testing.TestData.random(5, 300_000)));
    a.fix.chunks().publishToBucket(30_000);
    a.settle();
    String key =
        bucket.inner.objects.entrySet().stream()
            .filter(e -> e.getKey().startsWith("packs/"))
            .max(
                java.util.Map.Entry.comparingByValue(
                    java.util.Comparator.comparingInt(v -> v.length)))
            .orElseThrow()
            .getKey();
    byte[] good = bucket.inner.objects.get(key).clone();
    byte[] bad = good.clone();
    bad[bad.length / 2] ^= (byte) 0xff;
    bucket.inner.objects.put(key, bad);
    b.fix.chunks().shared().refresh();

    assertThatThrownBy(() -> b.images.resolveFetching(id)).hasMessageContaining("checksum");
    long t0 = System.nanoTime();
    assertThatThrownBy(() -> b.images.resolveFetching(id))
        .hasMessageContaining("of its chunks were found damaged in " + bucket.location())
        .hasMessageNotContaining("not uploaded");
    assertThat(System.nanoTime() - t0).isLessThan(TimeUnit.SECONDS.toNanos(10));

    bucket.inner.objects.put(key, good); // what the owner's fsck does
    assertThat(b.images.resolveFetching(id)).isEqualTo(id);
  }

  /** {@link MemoryBucket} whose deletes of catalogue tags fail while told to. */
  private static final class FlakyBucket implements ObjectStore {
    final MemoryBucket inner = new MemoryBucket();
    volatile boolean refuseTagDeletes;

    @Override
    public String location() {
      return inner.location();
    }

    @Override
    public String describe() {
      return inner.describe();
    }

    @Override
    public void put(String key, byte[] data) {
      inner.put(key, data);
    }

    @Override
    public void put(String key, Path file) throws IOException {
      inner.put(key, file);
    }

    @Override
    public boolean create(String key, byte[] data) {
      return inner.create(key, data);
    }

    @Override
    public byte[] get(String key) {
      return inner.get(key);
    }

    @Override
    public void read(String key, long offset, byte[] dst, int off, int len) throws IOException {
      inner.read(key, offset, dst, off, len);
    }

    @Override
    public void list(String prefix, Visitor visitor) throws IOException {
      inner.list(prefix, visitor);
    }

    @Override
    public void delete(String key) throws IOException {
      if (refuseTagDeletes && key.startsWith(Catalogue.TAGS)) {
        throw new IOException(location() + "/" + key + ": unreachable (test)");
      }
      inner.delete(key);
    }

    @Override
    public void close() {}
  }
}
