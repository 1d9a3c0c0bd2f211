package io.strata.store.image;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.github.luben.zstd.ZstdInputStream;
import io.strata.store.digest.Digest;
import io.strata.store.error.ConflictException;
import io.strata.store.error.InvalidArgumentException;
import io.strata.store.error.NotFoundException;
import io.strata.store.fs.FileSystemView;
import io.strata.store.image.archive.ExportFormat;
import io.strata.store.image.layer.ImportLimits;
import io.strata.store.image.layer.LayerCodec;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Import, export, listing, tagging and removal of images over a real store. */
class ImageStoreTest {
  @TempDir Path dir;
  ImageFixture fix;
  ImageStore images;

  @BeforeEach
  void open() throws IOException {
    fix = new ImageFixture(dir.resolve("store"));
    images = fix.images();
  }

  @AfterEach
  void close() throws IOException {
    fix.close();
  }

  private Path writeTar(String name, byte[] bytes) throws IOException {
    Path p = dir.resolve(name);
    Files.write(p, bytes);
    return p;
  }

  /** A two-layer image: a base tree, then a layer with a whiteout. */
  private ImportResult.Image twoLayers() throws IOException {
    byte[] l0 = new TarBuilder().dir("etc", 0755).file("etc/a", "a").file("etc/b", "b").bytes();
    byte[] l1 = new TarBuilder().file("etc/.wh.a", "").file("etc/c", "c").bytes();
    Path d = DockerArchive.write(dir.resolve("saved"), "two:1", List.of("one", "two"), l0, l1);
    return images.importPath(d.toString(), null).images().get(0);
  }

  private static String sha(byte[] b) {
    return DockerArchive.sha(b);
  }

  /**
   * An image whose layer another snapshot holds (on zfs, the clone containerd made of it) is
   * removed, exit 0: `image rm` failed with the driver's error though the image was gone, and the
   * layer stayed until a restart. Its snapshots stay while held and go at the first gc after.
   */
  @Test
  void anImageWhoseLayerAnotherSnapshotHoldsIsRemovedAndItsLayerGoesOnceFree() throws Exception {
    ImportResult.Image im = twoLayers();
    String top = im.layers().get(im.layers().size() - 1).chainId();
    String bottom = im.layers().get(0).chainId();
    fix.driver().prepare("held-by-containerd", top, java.util.Map.of());
    List<String> said = images.remove("two:1", x -> false);
    assertThat(said).contains("Deleted: " + im.id());
    assertThat(images.list()).isEmpty();
    assertThat(fix.driver().stat(top)).isNotNull();
    assertThat(fix.driver().stat(bottom)).isNotNull();
    fix.layers().removeDeferred(); // what runs before each gc: still held
    assertThat(fix.driver().stat(top)).isNotNull();
    fix.driver().remove("held-by-containerd");
    fix.layers().removeDeferred();
    assertThat(fix.state()).noneMatch(e -> e.contains(top) || e.contains(bottom));
  }

  /** The layer tar of {@code image}'s only layer, as export writes it. */
  private byte[] exportedLayer(String image) throws IOException {
    Path oci = dir.resolve("oci-" + image.replace(':', '-'));
    images.exportLayout(image, oci);
    String diffId = images.inspect(image).layers().get(0);
    return Files.readAllBytes(oci.resolve("blobs/sha256/" + diffId.substring(7)));
  }

  @Test
  void aPlainTarInCanonicalFormIsHashedAsItArrivesAndNotReadBack() throws IOException {
    byte[] tree =
        new TarBuilder()
            .dir("./etc", 0755)
            .file("./etc/hosts", "127.0.0.1 localhost\n")
            .file("./etc/empty", "")
            .file("./etc/x", "x", 0640, 1000, 1000, Map.of("SCHILY.xattr.user.k", "v"))
            .hardlink("./etc/hosts-link", "./etc/hosts")
            .symlink("./etc/l", "hosts")
            .dir("./usr", 0755)
            .bytes();
    images.importLayerTar(new ByteArrayInputStream(tree), "one:1", "tar one");
    assertThat(images.plainTarsReadBack()).as("./ names are not the canonical form").isEqualTo(1);
    byte[] canonical = exportedLayer("one:1");
    assertThat(images.inspect("one:1").layers()).containsExactly(sha(canonical));

    images.remove("one:1", id -> false);
    ImportResult.Image again =
        images
            .importLayerTar(new ByteArrayInputStream(canonical), "two:1", "tar two")
            .images()
            .get(0);
    assertThat(images.plainTarsReadBack()).as("the canonical form is not read back").isEqualTo(1);
    assertThat(images.inspect(again.id()).layers()).containsExactly(sha(canonical));
    assertThat(exportedLayer("two:1")).isEqualTo(canonical);
    FileSystemView fs = fix.driver().fs(images.inspect("two:1").topLayer());
    assertThat(fs.stat("/etc/hosts").nlink()).isEqualTo(2);
    assertThat(fs.getXattr("/etc/x", "user.k")).isEqualTo("v".getBytes(UTF_8));
  }

  /**
   * The applier checks an entry's parent once per run of entries in one directory: entries after
   * that directory was replaced land where the replacement leads, or are refused naming it.
   */
  @Test
  void anEntryAfterItsParentWasReplacedLandsWhereTheReplacementLeads() throws IOException {
    byte[] relinked =
        new TarBuilder()
            .dir("a", 0755)
            .dir("b", 0755)
            .file("a/x", "x")
            .symlink("a", "b")
            .file("a/y", "y")
            .bytes();
    images.importLayerTar(new ByteArrayInputStream(relinked), "relinked:1", "tar relinked");
    FileSystemView fs = fix.driver().fs(images.inspect("relinked:1").topLayer());
    assertThat(fs.exists("/b/y")).as("a/y written through the symlink that replaced a").isTrue();
    assertThat(fs.stat("/a").isSymlink()).isTrue();

    byte[] overFile =
        new TarBuilder()
            .dir("d", 0755)
            .file("d/x", "x")
            .file("d", "now a file")
            .file("d/y", "y")
            .bytes();
    List<String> before = fix.state();
    assertThatThrownBy(
            () -> images.importLayerTar(new ByteArrayInputStream(overFile), "over:1", "tar over"))
        .isInstanceOf(InvalidArgumentException.class)
        .hasMessageContaining("d/y")
        .hasMessageContaining("its parent /d is not a directory");
    assertThat(fix.state()).isEqualTo(before);
  }

  /**
   * A layer tar cut inside a file's content is refused, leaving the store as it was: the zeros made
   * up for a tar's missing last padding became the rest of the file (AO1: "hel\0\0\0").
   */
  @Test
  void aLayerTarCutInsideAFilesContentIsRefused() throws IOException {
    byte[] tar = new TarBuilder().file("a.txt", "hello\n").bytes();
    byte[] cut = java.util.Arrays.copyOf(tar, 515);
    List<String> before = fix.state();
    assertThatThrownBy(
            () -> images.importLayerTar(new ByteArrayInputStream(cut), "cut:1", "tar cut"))
        .isInstanceOf(InvalidArgumentException.class)
        .hasMessageContaining("tar cut: truncated or corrupt tar")
        .hasMessageContaining("the stream ends at byte 515");
    assertThat(fix.state()).isEqualTo(before);
  }

  @Test
  void aPlainTarThatDiffersFromItsTreeIsReadBackAndGetsTheCanonicalDiffId() throws IOException {
    // the second etc/a replaces the first: the tar has two entries, the tree one file
    byte[] twice =
        new TarBuilder().dir("etc", 0755).file("etc/a", "first").file("etc/a", "second").bytes();
    images.importLayerTar(new ByteArrayInputStream(twice), "dup:1", "tar dup");
    assertThat(images.plainTarsReadBack()).isEqualTo(1);
    byte[] canonical = exportedLayer("dup:1");
    assertThat(images.inspect("dup:1").layers()).containsExactly(sha(canonical));
    assertThat(sha(canonical)).isNotEqualTo(sha(twice));
    assertThat(
            new String(
                fix.driver().fs(images.inspect("dup:1").topLayer()).open("/etc/a").readAllBytes(),
                UTF_8))
        .isEqualTo("second");
  }

  @Test
  void dockerArchiveImportKeepsTagsAndDiffIdsAndAppliesWhiteouts() throws IOException {
    ImportResult.Image im = twoLayers();
    assertThat(im.tags()).containsExactly("two:1");
    ImageDetails d = images.inspect("two:1");
    assertThat(d.layers()).hasSize(2);
    assertThat(fix.driver().fs(d.topLayer()).exists("/etc/a")).isFalse();
    assertThat(images.history("two:1"))
        .extracting(HistoryEntry::createdBy)
        .containsExactly("two", "one");
  }

  @Test
  void commitLayerAddsOneLayerKeptByteForByteAndMovesTheTag() throws IOException {
    ImportResult.Image base = twoLayers();
    images.tag("two:1", "app:latest");
    byte[] change =
        new TarBuilder()
            .dir(".", 0755)
            .file("etc/.wh.b", "")
            .file(
                "etc/d",
                "d",
                0600,
                1000,
                1000,
                // an empty value is a flag, kept (docs/ADVERSARIAL.md, F17)
                Map.of("SCHILY.xattr.user.note", "kept", "SCHILY.xattr.user.flag", ""))
            .bytes();

    ImportResult.Image made =
        images
            .commitLayer(
                "two:1", new ByteArrayInputStream(change), List.of("app:latest"), "from ctr 1")
            .images()
            .get(0);

    ImageDetails d = images.inspect(made.id());
    List<String> baseLayers = images.inspect(base.id()).layers();
    assertThat(d.layers()).hasSize(3).startsWith(baseLayers.toArray(String[]::new));
    assertThat(d.layers().get(2)).isEqualTo(sha(change));
    assertThat(images.history(made.id()))
        .extracting(HistoryEntry::createdBy)
        .containsExactly("from ctr 1", "two", "one");
    assertThat(images.resolve("app:latest")).isEqualTo(made.id());
    assertThat(images.inspect("two:1").repoTags()).containsExactly("two:1");

    Path oci = dir.resolve("oci");
    images.exportLayout("app:latest", oci);
    assertThat(Files.readAllBytes(oci.resolve("blobs/sha256/" + sha(change).substring(7))))
        .isEqualTo(change);

    // what a container of the new image starts from: the whiteout hid etc/b of the base
    fix.driver().prepare("probe", d.topLayer(), Map.of());
    FileSystemView fs = fix.driver().fs("probe");
    assertThat(fs.exists("/etc/b")).isFalse();
    assertThat(fs.exists("/etc/a")).isFalse();
    assertThat(fs.exists("/etc/c")).isTrue();
    assertThat(fs.stat("/etc/d").uid()).isEqualTo(1000);
    assertThat(fs.getXattr("/etc/d", "user.note")).isEqualTo("kept".getBytes(UTF_8));
    assertThat(fs.getXattr("/etc/d", "user.flag")).isEmpty();
    assertThat(fs.listXattrs("/etc/d")).containsExactlyInAnyOrder("user.flag", "user.note");
    fix.driver().remove("probe");
    assertThat(fix.driver().fs(images.inspect(base.id()).topLayer()).exists("/etc/b")).isTrue();
  }

  @Test
  void aRefusedCommitLayerLeavesTheStoreAndTheTagAsTheyWere() throws IOException {
    ImportResult.Image base = twoLayers();
    List<String> before = fix.state();
    byte[] evil = new TarBuilder().file("ok", "x").file("../escaped", "x").bytes();
    assertThatThrownBy(
            () ->
                images.commitLayer(
                    "two:1", new ByteArrayInputStream(evil), List.of("two:1"), "evil"))
        .isInstanceOf(InvalidArgumentException.class)
        .hasMessageContaining("escaped");
    assertThat(fix.state()).isEqualTo(before);
    assertThat(images.resolve("two:1")).isEqualTo(base.id());
    assertThatThrownBy(
            () ->
                images.commitLayer(
                    "nosuch:1", new ByteArrayInputStream(evil), List.of(), "missing"))
        .isInstanceOf(NotFoundException.class)
        .hasMessageContaining("nosuch:1");
  }

  @Test
  void compressedExportsCompressEachLayerOnceAndLeaveNoSpool() throws IOException {
    byte[] l0 = new TarBuilder().dir("etc", 0755).file("etc/a", "a".repeat(5000)).bytes();
    byte[] l1 = new TarBuilder().file("etc/b", "b").bytes();
    byte[] l2 = new TarBuilder().file("etc/c", "c").bytes();
    images.importPath(
        DockerArchive.write(dir.resolve("s1"), "two:1", List.of("x", "y"), l0, l1).toString(),
        null);
    images.importPath(
        DockerArchive.write(dir.resolve("s2"), "three:1", List.of("x", "z"), l0, l2).toString(),
        null);
    for (LayerCodec codec : List.of(LayerCodec.GZIP, LayerCodec.ZSTD)) {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      images.saveAll(List.of("two:1", "three:1"), codec, out);
      // Every blob is named by its digest, holds a layer compressed, and the layer both images
      // share is written once.
      List<String> layers = new ArrayList<>();
      try (TarArchiveInputStream tar =
          new TarArchiveInputStream(new ByteArrayInputStream(out.toByteArray()))) {
        for (TarArchiveEntry e = tar.getNextEntry(); e != null; e = tar.getNextEntry()) {
          byte[] b = tar.readAllBytes();
          if (e.getName().startsWith("blobs/sha256/") && b.length > 0 && b[0] != '{') {
            assertThat("sha256:" + e.getName().substring(13)).isEqualTo(sha(b));
            InputStream raw =
                codec == LayerCodec.GZIP
                    ? new GZIPInputStream(new ByteArrayInputStream(b))
                    : new ZstdInputStream(new ByteArrayInputStream(b));
            layers.add(sha(raw.readAllBytes()));
          }
        }
      }
      assertThat(layers).as(codec.toString()).containsExactlyInAnyOrder(sha(l0), sha(l1), sha(l2));
      try (var left = Files.list(dir.resolve("store/tmp"))) {
        assertThat(left.filter(f -> f.getFileName().toString().startsWith("export-")))
            .as("spool files left by the export")
            .isEmpty();
      }
    }
  }

  @Test
  void ociAndDockerExportsReimportWithTheSameDiffIds() throws IOException {
    twoLayers();
    List<String> layers = images.inspect("two:1").layers();
    Path oci = dir.resolve("oci");
    images.exportLayout("two:1", oci);
    assertThat(oci.resolve("oci-layout")).exists();
    assertThat(oci.resolve("index.json")).exists();
    ByteArrayOutputStream archive = new ByteArrayOutputStream();
    images.export("two:1", ExportFormat.DOCKER_ARCHIVE, archive);
    ByteArrayOutputStream ociTar = new ByteArrayOutputStream();
    images.export("two:1", ExportFormat.OCI, ociTar);
    fix.close();
    fix = new ImageFixture(dir.resolve("other"));
    images = fix.images();
    images.importPath(oci + ":1", "from-oci:1");
    assertThat(images.inspect("from-oci:1").layers()).isEqualTo(layers);
    images.importStream(new java.io.ByteArrayInputStream(archive.toByteArray()), null);
    assertThat(images.inspect("two:1").layers()).isEqualTo(layers);
    images.importPath(writeTar("oci.tar", ociTar.toByteArray()).toString(), "from-oci-tar:1");
    assertThat(images.inspect("from-oci-tar:1").id()).isEqualTo(images.inspect("two:1").id());
  }

  @Test
  void aTamperedLayerIsRefusedAndTheStoreIsUnchanged() throws IOException {
    twoLayers();
    Path oci = dir.resolve("oci");
    images.exportLayout("two:1", oci);
    String top = images.inspect("two:1").layers().get(1).substring(7);
    images.remove("two:1", id -> false);
    List<String> before = fix.state();
    Path blob = oci.resolve("blobs/sha256/" + top);
    byte[] b = Files.readAllBytes(blob);
    b[600] ^= 1; // any flipped byte makes the blob miss its digest
    Files.write(blob, b);
    assertThatThrownBy(() -> images.importPath(oci.toString(), "bad:1"))
        .isInstanceOf(InvalidArgumentException.class)
        .hasMessageContaining(top);
    assertThat(fix.state()).isEqualTo(before);
  }

  @Test
  void hostileTarImportIsRefusedNamingTheEntry() throws IOException {
    images.importPath(
        writeTar("ok.tar", new TarBuilder().file("x", "x").bytes()).toString(), "ok:1");
    List<String> before = fix.state();
    List<ImageSummary> listed = images.list();
    Path evil =
        writeTar(
            "evil.tar",
            new TarBuilder().file("ok.txt", "x").file("../../escaped.txt", "x").bytes());
    assertThatThrownBy(() -> images.importPath(evil.toString(), "evil:1"))
        .isInstanceOf(InvalidArgumentException.class)
        .hasMessageContaining("escaped");
    assertThat(fix.state()).isEqualTo(before);
    assertThat(images.list()).isEqualTo(listed);
    assertThat(dir.resolve("escaped.txt")).doesNotExist();
  }

  @Test
  void listSharingTagAndRemove() throws IOException {
    Path base = dir.resolve("base");
    Files.createDirectories(base.resolve("usr/bin"));
    byte[] tool = new byte[1 << 20];
    new java.util.Random(1).nextBytes(tool);
    Files.write(base.resolve("usr/bin/tool"), tool);
    images.importPath(base.toString(), "base:1");
    Files.writeString(base.resolve("extra"), "more");
    images.importPath(base.toString(), "base:2");
    ImageSummary one = images.list().stream().filter(r -> r.tag().equals("1")).findFirst().get();
    assertThat(one.sharedSize()).isGreaterThanOrEqualTo(1 << 20);
    assertThat(one.uniqueSize()).isLessThan(one.size());
    assertThat(one.sharedSize() + one.uniqueSize()).isEqualTo(one.size());
    images.tag("base:1", "alias:x");
    assertThat(images.inspect("alias:x").repoTags()).containsExactly("alias:x", "base:1");
    assertThat(images.remove("alias:x", id -> false)).containsExactly("Untagged: alias:x");
    assertThatThrownBy(() -> images.remove("base:1", id -> true))
        .isInstanceOf(ConflictException.class);
    String layer = images.inspect("base:1").topLayer();
    images.remove("base:1", id -> false);
    assertThatThrownBy(() -> images.inspect("base:1")).isInstanceOf(NotFoundException.class);
    assertThatThrownBy(() -> fix.driver().stat(layer)).isInstanceOf(NotFoundException.class);
    assertThatThrownBy(() -> images.remove("nosuch:1", id -> false))
        .isInstanceOf(NotFoundException.class);
    ImageDiskUsage df = images.diskUsage(id -> false);
    assertThat(df.total()).isEqualTo(1);
    assertThat(df.reclaimable()).isEqualTo(df.size());
  }

  @Test
  void layersOfAnImportCutShortAreRemovedOnReopen() throws IOException {
    List<String> before = fix.state();
    byte[] l0 = new TarBuilder().file("a", "a").bytes();
    fix.images().layers().importTar(null, new java.io.ByteArrayInputStream(l0), null, null, "l0");
    assertThat(fix.state()).isNotEqualTo(before);
    fix.reopen();
    assertThat(fix.state()).isEqualTo(before);
  }

  @Test
  void buildUsesTheCacheAndRefusesRun() throws IOException {
    Path base = dir.resolve("base");
    Files.createDirectories(base.resolve("etc"));
    Files.writeString(base.resolve("etc/os-release"), "base\n");
    images.importPath(base.toString(), "base:1");
    Path ctx = dir.resolve("ctx");
    Files.createDirectories(ctx.resolve("sub"));
    Files.writeString(ctx.resolve("a.txt"), "hello v1\n");
    Files.writeString(ctx.resolve("sub/b.txt"), "b\n");
    String dockerfile =
        String.join(
            "\n",
            "# a comment",
            "FROM base:1",
            "ENV APP=demo \\",
            "    MORE=yes",
            "COPY a.txt /app/a.txt",
            "COPY [\"sub\", \"/app/sub/\"]",
            "WORKDIR /app",
            "LABEL k=v",
            "USER 1000",
            "ENTRYPOINT [\"/app/run\"]",
            "CMD run");
    List<String> log1 = new ArrayList<>();
    ImportResult r1 = images.build(dockerfile, List.of("app:1"), ctx, log1::add);
    assertThat(log1).contains("Step 1/9 : FROM base:1", "Step 4/9 : COPY [\"sub\", \"/app/sub/\"]");
    assertThat(log1).doesNotContain(" ---> Using cache");
    List<String> log2 = new ArrayList<>();
    ImportResult r2 = images.build(dockerfile, List.of("app:1"), ctx, log2::add);
    assertThat(log2.stream().filter(" ---> Using cache"::equals).count()).isEqualTo(8);
    assertThat(r2.images().get(0).id()).isEqualTo(r1.images().get(0).id());
    ImageDetails d = images.inspect("app:1");
    assertThat(d.layers()).hasSize(3);
    assertThat(d.config()).contains("APP=demo", "MORE=yes", "/app/run", "WorkingDir");
    assertThat(fix.driver().fs(d.topLayer()).exists("/app/sub/b.txt")).isTrue();
    Files.writeString(ctx.resolve("a.txt"), "hello v2\n");
    List<String> log3 = new ArrayList<>();
    images.build(dockerfile, List.of("app:2"), ctx, log3::add);
    assertThat(log3.subList(0, 6))
        .containsExactly(
            "Step 1/9 : FROM base:1",
            " ---> " + images.resolve("base:1").substring(7, 19),
            "Step 2/9 : ENV APP=demo MORE=yes",
            " ---> Using cache",
            log3.get(4),
            log3.get(5));
    assertThat(log3.get(4)).isEqualTo(log2.get(4));
    assertThat(String.join("\n", log3.subList(4, log3.size()))).doesNotContain("Using cache");
    assertThatThrownBy(
            () -> images.build("FROM base:1\nRUN echo hi\n", List.of("bad:1"), ctx, s -> {}))
        .isInstanceOf(InvalidArgumentException.class)
        .hasMessageContaining("RUN is not supported");
  }

  @Test
  void buildReplacesVariablesFromEnvInPathsAndConfig() throws IOException {
    Path ctx = dir.resolve("varctx");
    Files.createDirectories(ctx);
    Files.writeString(ctx.resolve("demo.txt"), "demo\n");
    String dockerfile =
        String.join(
            "\n",
            "FROM scratch",
            "ENV APP=demo HOME_DIR=/srv",
            "ENV DATA=${HOME_DIR}/data",
            "WORKDIR $DATA",
            "COPY ${APP}.txt ./${APP:-x}/",
            "CMD echo $APP");
    List<String> log = new ArrayList<>();
    images.build(dockerfile, List.of("vars:1"), ctx, log::add);
    assertThat(log).contains("Step 5/6 : COPY ${APP}.txt ./${APP:-x}/");
    ImageDetails d = images.inspect("vars:1");
    assertThat(fix.driver().fs(d.topLayer()).exists("/srv/data/demo/demo.txt")).isTrue();
    assertThat(d.config()).contains("DATA=/srv/data", "\"WorkingDir\":\"/srv/data\"", "echo $APP");
  }

  @Test
  void buildFromAStreamedContextAndAddExtractsTars() throws IOException {
    byte[] inner = new TarBuilder().dir("x", 0755).file("x/in.txt", "inside").bytes();
    ByteArrayOutputStream ctx = new ByteArrayOutputStream();
    try (OutputStream o = ctx) {
      o.write(contextTar(inner));
    }
    ImportResult r =
        images.build(
            "FROM scratch\nADD layer.tar /opt/\nCOPY note /note\n",
            List.of("added:1"),
            new java.io.ByteArrayInputStream(ctx.toByteArray()),
            s -> {});
    String top = images.inspect("added:1").topLayer();
    try (InputStream in = fix.driver().fs(top).open("/opt/x/in.txt")) {
      assertThat(new String(in.readAllBytes(), StandardCharsets.UTF_8)).isEqualTo("inside");
    }
    assertThat(r.images().get(0).layers()).hasSize(2);
  }

  private static byte[] contextTar(byte[] inner) throws IOException {
    TarBuilder b = new TarBuilder().file("note", "n");
    return b.raw("layer.tar", inner).bytes();
  }

  private static void sh(String cmd) throws Exception {
    Process p = new ProcessBuilder("sh", "-c", cmd).redirectErrorStream(true).start();
    byte[] out = p.getInputStream().readAllBytes();
    assertThat(p.waitFor(60, java.util.concurrent.TimeUnit.SECONDS)).as(cmd).isTrue();
    assertThat(p.exitValue()).as("%s: %s", cmd, new String(out, UTF_8)).isZero();
  }

  /**
   * A root file system with device nodes and a FIFO in /dev imports as a tar and as a directory,
   * and exports with its layer blob unchanged (needs root for mknod: fails, never skips).
   */
  @Test
  void aRootFileSystemWithDevicesImportsAsATarAndAsADirectory() throws Exception {
    Path root = Files.createDirectories(dir.resolve("rootfs"));
    Path dev = Files.createDirectories(root.resolve("dev"));
    sh("mknod -m 0666 " + dev.resolve("null") + " c 1 3");
    sh("mknod -m 0666 " + dev.resolve("zero") + " c 1 5");
    sh("mknod -m 0660 " + dev.resolve("sda") + " b 8 0");
    sh("mkfifo -m 0600 " + dev.resolve("initctl"));
    sh("chown -R 0:0 " + root + " && chgrp 6 " + dev.resolve("sda"));
    Path tar = dir.resolve("rootfs.tar");
    sh("tar --format=posix --sort=name --numeric-owner -C " + root + " -cf " + tar + " .");
    byte[] input = Files.readAllBytes(tar);

    // In an image archive the layer is kept byte for byte: its diff_id is the input's SHA-256.
    Path saved = DockerArchive.write(dir.resolve("saved"), "rootfs:1", List.of("rootfs"), input);
    ImportResult.Image image = images.importPath(saved.toString(), null).images().get(0);
    assertThat(images.inspect(image.id()).layers()).containsExactly(sha(input));
    Path oci = dir.resolve("oci");
    images.exportLayout("rootfs:1", oci);
    assertThat(Files.readAllBytes(oci.resolve("blobs/sha256/" + sha(input).substring(7))))
        .isEqualTo(input);

    // A plain tar (docker import) and a directory become the same tree.
    for (String source : List.of(tar.toString(), root.toString())) {
      ImportResult.Image im = images.importPath(source, null).images().get(0);
      FileSystemView fs = fix.driver().fs(images.inspect(im.id()).topLayer());
      StringBuilder got = new StringBuilder();
      for (String n : List.of("initctl", "null", "sda", "zero")) {
        var st = fs.stat("/dev/" + n);
        got.append(
            String.format(
                "%s %o %d:%d %d,%d;",
                n, st.mode(), st.uid(), st.gid(), st.devMajor(), st.devMinor()));
      }
      assertThat(got.toString())
          .as(source)
          .isEqualTo(
              "initctl 10600 0:0 0,0;null 20666 0:0 1,3;sda 60660 0:6 8,0;zero 20666 0:0 1,5;");
    }
  }

  /** The files of {@code dir} (flat) as one tar: a docker-save or OCI archive file. */
  private static byte[] tarOf(Path dir) throws IOException {
    TarBuilder t = new TarBuilder();
    try (var files = Files.walk(dir)) {
      for (Path f : files.filter(Files::isRegularFile).sorted().toList()) {
        t.raw(dir.relativize(f).toString(), Files.readAllBytes(f));
      }
    }
    return t.bytes();
  }

  /**
   * An archive holding a layer the import refuses is refused naming the entry, as a file and as a
   * stream; never imported as a plain tar of the archive's own files (issue #14 item 1).
   */
  @Test
  void aRefusedArchiveIsNeverImportedAsAPlainTar() throws IOException {
    images.importPath(
        writeTar("ok.tar", new TarBuilder().file("x", "x").bytes()).toString(), "ok:1");
    List<String> before = fix.state();
    List<ImageSummary> listed = images.list();
    byte[] evilLayer = new TarBuilder().file("ok.txt", "x").file("../escaped.txt", "x").bytes();
    byte[] docker =
        tarOf(DockerArchive.write(dir.resolve("evil-saved"), "evil:1", List.of("x"), evilLayer));
    Path dockerTar = writeTar("evil-docker.tar", docker);

    assertThatThrownBy(() -> images.importPath(dockerTar.toString(), "evil:2"))
        .isInstanceOf(InvalidArgumentException.class)
        .hasMessageContaining("escaped.txt")
        .hasMessageContaining("l0.tar");
    assertThatThrownBy(() -> images.importStream(new ByteArrayInputStream(docker), null))
        .isInstanceOf(InvalidArgumentException.class)
        .hasMessageContaining("escaped.txt");

    // an OCI archive whose manifest names a blob it lacks
    twoLayers();
    Path oci = dir.resolve("oci-missing");
    images.exportLayout("two:1", oci);
    images.remove("two:1", id -> false);
    Path manifest;
    try (var files = Files.list(oci.resolve("blobs/sha256"))) {
      manifest =
          files.filter(f -> uncheckedRead(f).contains("\"layers\"")).findFirst().orElseThrow();
    }
    String m = Files.readString(manifest);
    String firstLayer =
        m.replaceAll("(?s).*\"layers\".*?\"digest\":\"(sha256:[0-9a-f]+)\".*", "$1");
    Files.delete(oci.resolve("blobs/sha256/" + firstLayer.substring(7)));
    byte[] ociTar = tarOf(oci);
    assertThatThrownBy(
            () -> images.importPath(writeTar("oci-missing.tar", ociTar).toString(), "m:1"))
        .isInstanceOf(InvalidArgumentException.class)
        .hasMessageContaining(firstLayer.substring(7));
    assertThatThrownBy(() -> images.importStream(new ByteArrayInputStream(ociTar), null))
        .isInstanceOf(InvalidArgumentException.class)
        .hasMessageContaining(firstLayer.substring(7));

    assertThat(fix.state()).isEqualTo(before);
    assertThat(images.list()).isEqualTo(listed);
  }

  /**
   * GNU tar's sparse formats (old GNU, PAX 0.0, 0.1, 1.0) import with their holes stored as nothing
   * and export byte for byte (issue #14 item 2).
   */
  @Test
  void sparseFilesImportWithHolesAndExportByteForByte() throws Exception {
    Path src = Files.createDirectories(dir.resolve("sparse-src"));
    Path f = src.resolve("f");
    sh("truncate -s 1M " + f);
    sh("printf hello | dd of=" + f + " bs=1 seek=100000 conv=notrunc status=none");
    sh("printf tail | dd of=" + f + " bs=1 seek=700000 conv=notrunc status=none");
    sh("truncate -s 2M " + f);
    byte[] content = Files.readAllBytes(f);
    Digest zeroBlock =
        Digest.of(java.security.MessageDigest.getInstance("SHA-256").digest(new byte[16 << 10]));
    List<String> formats =
        List.of(
            "--format=gnu",
            "--format=posix --sparse-version=0.0",
            "--format=posix --sparse-version=0.1",
            "--format=posix --sparse-version=1.0");
    for (String format : formats) {
      Path tar = dir.resolve("sparse.tar");
      Files.deleteIfExists(tar);
      sh("tar --sparse " + format + " --numeric-owner -C " + src + " -cf " + tar + " f");
      byte[] input = Files.readAllBytes(tar);
      assertThat(input.length).as(format).isLessThan(64 << 10);
      Path saved = dir.resolve("saved-" + formats.indexOf(format));
      DockerArchive.write(saved, "sparse:" + formats.indexOf(format), List.of("x"), input);
      ImportResult.Image im = images.importPath(saved.toString(), null).images().get(0);
      ImageDetails d = images.inspect(im.id());
      assertThat(d.layers()).as(format).containsExactly(sha(input));
      FileSystemView fs = fix.driver().fs(d.topLayer());
      try (InputStream in = fs.open("/f")) {
        assertThat(in.readAllBytes()).as(format).isEqualTo(content);
      }
      assertThat(fix.chunks().idOf(zeroBlock)).as("%s: a hole was stored", format).isNegative();
      Path oci = dir.resolve("oci-" + formats.indexOf(format));
      images.exportLayout(im.id(), oci);
      assertThat(Files.readAllBytes(oci.resolve("blobs/sha256/" + sha(input).substring(7))))
          .as(format)
          .isEqualTo(input);
    }
    // the same file written whole stores its zero blocks: the check above can fail
    images.importPath(
        writeTar("dense.tar", new TarBuilder().raw("f", content).bytes()).toString(), null);
    assertThat(fix.chunks().idOf(zeroBlock)).isNotNegative();
  }

  /** A damaged blob is refused even when its layer is stored already (issue #14 item 4). */
  @Test
  void aTamperedBlobOfAStoredLayerIsStillRefused() throws IOException {
    twoLayers();
    Path oci = dir.resolve("oci");
    images.exportLayout("two:1", oci);
    String top = images.inspect("two:1").layers().get(1).substring(7);
    List<String> before = fix.state();
    Path blob = oci.resolve("blobs/sha256/" + top);
    byte[] b = Files.readAllBytes(blob);
    b[600] ^= 1;
    Files.write(blob, b);
    assertThatThrownBy(() -> images.importPath(oci.toString(), "bad:1"))
        .isInstanceOf(InvalidArgumentException.class)
        .hasMessageContaining(top);
    assertThat(fix.state()).isEqualTo(before);
  }

  /**
   * A `docker save` archive piped through gzip was imported as a plain tar: an image of the
   * archive's own files (manifest.json, repositories, the layer tars), exit 0 (docs/ADVERSARIAL.md,
   * U2). As `docker load` does, a compressed archive (gzip, bzip2, zstd) now loads as the archive
   * it holds: the same image id and tags as the plain archive's, and its decompressed spool is gone
   * afterwards.
   */
  @Test
  @Timeout(120)
  void aCompressedImageArchiveLoadsAsTheArchiveItHolds() throws IOException {
    byte[] layer = new TarBuilder().file("etc/hostname", "box\n").bytes();
    byte[] archive = savedArchive(layer);
    Path gz = dir.resolve("one.tar.gz");
    Files.write(gz, gzip(archive));
    ImportResult.Image fromGzip = images.importPath(gz.toString(), null).images().get(0);
    assertThat(tmpFiles()).isEmpty();

    Path plain = dir.resolve("one.tar");
    Files.write(plain, archive);
    ImportResult.Image fromPlain = images.importPath(plain.toString(), null).images().get(0);
    assertThat(fromPlain.tags()).containsExactly("one:1");
    assertThat(fromGzip.id()).isEqualTo(fromPlain.id());
    assertThat(fromGzip.tags()).isEqualTo(fromPlain.tags());
    for (String kind : List.of("bzip2", "zstd")) {
      Path f = dir.resolve("one.tar." + kind);
      Files.write(f, compress(kind, archive));
      ImportResult.Image got = images.importPath(f.toString(), null).images().get(0);
      assertThat(got.id()).as(kind).isEqualTo(fromPlain.id());
      assertThat(got.tags()).as(kind).isEqualTo(fromPlain.tags());
    }
    assertThat(tmpFiles()).isEmpty();
  }

  /** A compressed root file system (not an image archive) still makes one layer of its files. */
  @Test
  @Timeout(120)
  void aCompressedRootFileSystemStillMakesOneLayer() throws IOException {
    byte[] layer = new TarBuilder().file("etc/hostname", "box\n").file("manifest", "x").bytes();
    Path tar = dir.resolve("tree.tar");
    Files.write(tar, layer);
    ImportResult.Image plain = images.importPath(tar.toString(), "tree:1").images().get(0);
    Path gz = dir.resolve("tree.tar.gz");
    Files.write(gz, gzip(layer));
    Path bz = dir.resolve("tree.tar.bz2");
    Files.write(bz, compress("bzip2", layer));
    for (Path f : List.of(gz, bz)) {
      ImportResult.Image got = images.importPath(f.toString(), "tree:2").images().get(0);
      assertThat(got.layers()).as(f.toString()).hasSize(1);
      assertThat(got.layers().get(0).diffId())
          .as(f.toString())
          .isEqualTo(plain.layers().get(0).diffId());
    }
    assertThat(tmpFiles()).isEmpty();
  }

  /**
   * A corrupt gzip archive and a truncated zstd one are refused in one line naming the file, and an
   * xz one (not read: no library for it among the project's) saying what to do; the store is
   * unchanged and no spool stays behind.
   */
  @Test
  @Timeout(120)
  void aCorruptOrTruncatedCompressedArchiveIsRefusedTheStoreUnchanged() throws IOException {
    byte[] archive = savedArchive(new TarBuilder().file("etc/hostname", "box\n").bytes());
    byte[] gz = gzip(archive);
    gz[gz.length / 2] ^= 0x55;
    Path bad = dir.resolve("bad.tar.gz");
    Files.write(bad, gz);
    byte[] zst = compress("zstd", archive);
    Path cut = dir.resolve("cut.tar.zst");
    Files.write(cut, java.util.Arrays.copyOf(zst, zst.length / 2));
    Path xz = dir.resolve("one.tar.xz");
    byte[] xzMagic = {(byte) 0xFD, '7', 'z', 'X', 'Z', 0, 0, 4, 1, 2, 3};
    Files.write(xz, xzMagic);
    List<String> before = fix.state();
    for (Path f : List.of(bad, cut)) {
      assertThatThrownBy(() -> images.importPath(f.toString(), null))
          .isInstanceOf(InvalidArgumentException.class)
          .hasMessageContaining("archive " + f.getFileName() + ": corrupt or truncated")
          .hasMessageNotContaining("\n");
    }
    assertThatThrownBy(() -> images.importPath(xz.toString(), null))
        .isInstanceOf(InvalidArgumentException.class)
        .hasMessage(
            "archive one.tar.xz: xz-compressed, which Strata does not read (gzip, bzip2 and zstd"
                + " it does); decompress it first (xz -dc FILE > FILE.tar) and load or import"
                + " that");
    assertThat(fix.state()).isEqualTo(before);
    assertThat(images.list()).isEmpty();
    assertThat(tmpFiles()).isEmpty();
  }

  /**
   * An import whose stop signal is raised (the client cancelled after its upload was complete) ends
   * at its next read, compressed or not, keeping nothing and no spool (V4: a Ctrl-C after the
   * upload was ignored, and the image appeared).
   */
  @Test
  @Timeout(120)
  void anImportStoppedByItsClientsCancelKeepsNothing() throws IOException {
    byte[] archive = savedArchive(new TarBuilder().file("etc/hostname", "box\n").bytes());
    Path gz = dir.resolve("one.tar.gz");
    Files.write(gz, gzip(archive));
    Path plain = dir.resolve("one.tar");
    Files.write(plain, archive);
    List<String> before = fix.state();
    for (Path f : List.of(gz, plain)) {
      io.strata.store.engine.StopSignal stop = new io.strata.store.engine.StopSignal();
      stop.raise("the client cancelled");
      assertThatThrownBy(() -> images.importPath(f.toString(), null, null, stop))
          .isInstanceOf(io.strata.store.engine.StopSignal.Stopped.class)
          .hasMessageContaining("stopped, the client cancelled");
      assertThat(fix.state()).as(f.toString()).isEqualTo(before);
      assertThat(images.list()).isEmpty();
      assertThat(tmpFiles()).isEmpty();
    }
  }

  /** A `docker save` archive of one image tagged one:1 whose layer is {@code layer}. */
  private byte[] savedArchive(byte[] layer) throws IOException {
    Path saved = DockerArchive.write(dir.resolve("saved"), "one:1", List.of("one"), layer);
    TarBuilder archive = new TarBuilder();
    try (var files = Files.list(saved)) {
      for (Path f : files.sorted().toList()) {
        archive.raw(f.getFileName().toString(), Files.readAllBytes(f));
      }
    }
    return archive.bytes();
  }

  /** The files left in the store's tmp directory, where imports spool. */
  private List<Path> tmpFiles() throws IOException {
    Path tmp = dir.resolve("store/tmp");
    if (!Files.isDirectory(tmp)) {
      return List.of();
    }
    try (var files = Files.list(tmp)) {
      return files.toList();
    }
  }

  private static byte[] compress(String kind, byte[] b) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (OutputStream z =
        switch (kind) {
          case "bzip2" ->
              new org.apache.commons.compress.compressors.bzip2.BZip2CompressorOutputStream(out);
          default -> new com.github.luben.zstd.ZstdOutputStream(out);
        }) {
      z.write(b);
    }
    return out.toByteArray();
  }

  private static byte[] gzip(byte[] b) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (OutputStream z = new java.util.zip.GZIPOutputStream(out)) {
      z.write(b);
    }
    return out.toByteArray();
  }

  /** Layers past the import limits are refused naming the blob; the store is unchanged. */
  @Test
  void layersPastTheImportLimitsAreRefused() throws IOException {
    byte[] bomb = gzip(new TarBuilder().raw("zeros", new byte[4 << 20]).bytes());
    assertThat(bomb.length).isLessThan(64 << 10);
    TarBuilder many = new TarBuilder();
    for (int i = 0; i < 5; i++) {
      many.file("f" + i, "x");
    }
    byte[] manyTar = many.bytes();
    List<String> before = fix.state();
    record Case(ImportLimits limits, byte[] layer, String says) {}
    List<Case> cases =
        List.of(
            new Case(new ImportLimits(1 << 20, 1000, 1 << 20, 0), bomb, "maxLayerBytes"),
            new Case(new ImportLimits(1L << 40, 1000, 50, 1 << 20), bomb, "maxRatio"),
            new Case(new ImportLimits(1L << 40, 4, 200, 0), manyTar, "maxEntries"));
    for (Case c : cases) {
      Path saved =
          DockerArchive.write(
              dir.resolve("limits-" + cases.indexOf(c)), "lim:1", List.of("x"), c.layer());
      // the config's diff_id is the uncompressed tar's
      byte[] tar;
      try (InputStream in =
          new java.util.zip.GZIPInputStream(new ByteArrayInputStream(c.layer()))) {
        tar = in.readAllBytes();
      } catch (java.util.zip.ZipException notGzip) {
        tar = c.layer();
      }
      rewriteDiffId(saved, sha(c.layer()), sha(tar));
      ImageStore limited =
          new ImageStore(fix.chunks(), fix.driver(), dir.resolve("tmp"), c.limits());
      assertThatThrownBy(() -> limited.importPath(saved.toString(), null))
          .as(c.says())
          .isInstanceOf(InvalidArgumentException.class)
          .hasMessageContaining("l0.tar")
          .hasMessageContaining(c.says());
      assertThat(fix.state()).isEqualTo(before);
    }
    // the defaults let the same layers in
    images.importPath(
        DockerArchive.write(dir.resolve("limits-ok"), "ok:1", List.of("x"), manyTar).toString(),
        null);
  }

  /**
   * Replaces the diff_id {@code from} by {@code to} in the config of docker archive {@code dir}.
   */
  private static void rewriteDiffId(Path dir, String from, String to) throws IOException {
    if (from.equals(to)) {
      return;
    }
    try (var files = Files.list(dir)) {
      for (Path f : files.filter(p -> p.getFileName().toString().endsWith(".json")).toList()) {
        String json = Files.readString(f);
        if (json.contains(from) && !f.getFileName().toString().equals("manifest.json")) {
          String cfg = json.replace(from, to);
          Path renamed = dir.resolve(sha(cfg.getBytes(UTF_8)).substring(7) + ".json");
          Files.writeString(renamed, cfg);
          Files.delete(f);
          Path manifest = dir.resolve("manifest.json");
          Files.writeString(
              manifest,
              Files.readString(manifest)
                  .replace(f.getFileName().toString(), renamed.getFileName().toString()));
        }
      }
    }
  }

  /** COPY of device nodes and FIFOs keeps them as nodes, as Docker's COPY does (needs root). */
  @Test
  void buildCopiesDeviceNodesAndFifos() throws Exception {
    Path ctx = Files.createDirectories(dir.resolve("ctx/dev"));
    sh("mknod -m 0666 " + ctx.resolve("null") + " c 1 3");
    sh("mkfifo -m 0600 " + ctx.resolve("fifo"));
    images.build("FROM scratch\nCOPY dev /dev\n", List.of("devs:1"), ctx.getParent(), s -> {});
    FileSystemView fs = fix.driver().fs(images.inspect("devs:1").topLayer());
    var nul = fs.stat("/dev/null");
    assertThat(List.of(nul.isCharDevice(), nul.devMajor(), nul.devMinor(), nul.permissions()))
        .containsExactly(true, 1, 3, 0666);
    assertThat(fs.stat("/dev/fifo").isFifo()).isTrue();
  }

  private static String uncheckedRead(Path f) {
    try {
      return new String(Files.readAllBytes(f), UTF_8);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
