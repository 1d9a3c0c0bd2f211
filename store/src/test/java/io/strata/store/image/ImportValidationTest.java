package io.strata.store.image;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.strata.store.error.InvalidArgumentException;
import io.strata.store.image.layer.JsonCodec;
import io.strata.store.testing.Tools;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Imports of inputs that are not what they claim: what is no tar, a layer entry that a symlink
 * leads nowhere, an xattr without a name, a manifest that is not JSON, a descriptor whose size
 * lies. Each is refused as invalid content (exit 1 at the CLI, not 4 "not found"), in one line
 * naming the input and what is wrong, and leaves the store as it was: no untagged image behind.
 */
class ImportValidationTest {
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

  private Path write(String name, byte[] bytes) throws IOException {
    Path p = dir.resolve(name);
    Files.write(p, bytes);
    return p;
  }

  /** {@code import} refuses with one line starting {@code message} and changes nothing. */
  private void refused(ImportCall call, String message) {
    List<String> before = fix.state();
    assertThatThrownBy(call::run)
        .isInstanceOf(InvalidArgumentException.class)
        .hasMessageStartingWith(message)
        .hasMessageNotContaining("\n");
    assertThat(fix.state()).isEqualTo(before);
    assertThat(images.list()).isEmpty();
  }

  private interface ImportCall {
    void run() throws IOException;
  }

  @Test
  void whatIsNoTarIsRefusedWhicheverWayItComes() throws IOException {
    Path g1 = write("g1.txt", "garbage 1\n".getBytes(UTF_8));
    refused(() -> images.importPath(g1.toString(), "gi:1"), "tar g1.txt: not a tar archive (");
    Path g3 = write("g3.txt", "hello".getBytes(UTF_8));
    refused(() -> images.importPath(g3.toString(), "gi:3"), "tar g3.txt: not a tar archive (");
    Path empty = write("empty.tar", new byte[0]);
    refused(
        () -> images.importPath(empty.toString(), "gi:5"),
        "tar empty.tar: not a tar archive (it is empty)");
    refused(() -> images.importStream(new ByteArrayInputStream(new byte[0]), null), "tar import-");
    refused(
        () -> images.importStream(new ByteArrayInputStream("garbage\n".getBytes(UTF_8)), null),
        "tar import-");
    refused(
        () -> images.importLayerTar(new ByteArrayInputStream(new byte[0]), "gi:6", "tar sent"),
        "tar sent: not a tar archive (it is empty)");
    byte[] zeroSum = new TarBuilder().file("f", "x").bytes();
    java.util.Arrays.fill(zeroSum, 148, 156, (byte) '0');
    Path badchk = write("badchk.tar", zeroSum);
    refused(
        () -> images.importPath(badchk.toString(), "bc:1"),
        "tar badchk.tar: not a tar archive (header checksum 0 does not match");
    // the end blocks alone are an empty layer, as before
    images.importPath(write("nothing.tar", new byte[1024]).toString(), "empty:1");
    assertThat(images.inspect("empty:1").layers()).hasSize(1);
  }

  private static final String NOT_UTF8 =
      "the name is not valid UTF-8 (Strata keeps file names as UTF-8)";

  /** Runs {@code cmd} with sh; names with any bytes are made so ({@code printf '\\377'}). */
  private static void sh(String cmd) throws Exception {
    Process p = new ProcessBuilder("sh", "-c", cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), UTF_8);
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).as(cmd).isTrue();
    assertThat(p.exitValue()).as(cmd + ": " + out).isZero();
  }

  /**
   * Two names that differ only in a byte that is not UTF-8 ({@code bad\xff1}, {@code bad\xfe1})
   * were one file after an import, the other silently lost: a tar's name decoded with {@code ?} for
   * the bad byte, a directory's with U+FFFD. Each is refused naming the name's bytes, from a
   * directory of the server's host, GNU tar's ustar and PAX headers, and a layer of an archive;
   * {@code café}, valid UTF-8, is kept.
   */
  @Test
  @Timeout(120)
  void namesThatAreNotUtf8AreRefusedAndValidOnesKept() throws Exception {
    Tools.require("tar");
    Path names = Files.createDirectories(dir.resolve("names"));
    sh(
        "cd "
            + names
            + " && printf x > \"$(printf 'caf\\303\\251')\" && printf y > \"$(printf 'bad\\3771')\""
            + " && printf z > \"$(printf 'bad\\3761')\"");
    String bad = "\"bad\\\\x(ff|fe)1\": " + Pattern.quote(NOT_UTF8);
    List<String> before = fix.state();
    assertThatThrownBy(() -> images.importPath(names.toString(), "dir:1"))
        .isInstanceOf(InvalidArgumentException.class)
        .hasMessageMatching(Pattern.quote("directory " + names + ": file ") + bad);
    for (String format : List.of("gnu", "posix")) {
      Path tar = dir.resolve(format + ".tar");
      sh("tar --format=" + format + " -C " + names + " -cf " + tar + " .");
      assertThatThrownBy(() -> images.importPath(tar.toString(), format + ":1"))
          .as(format)
          .isInstanceOf(InvalidArgumentException.class)
          .hasMessageMatching(
              Pattern.quote("tar " + format + ".tar: entry \"./") + bad.substring(1));
      Path archive =
          DockerArchive.write(
              dir.resolve(format + "-archive"), "arch:1", List.of("x"), Files.readAllBytes(tar));
      assertThatThrownBy(() -> images.importPath(archive.toString(), null))
          .as(format + " archive")
          .isInstanceOf(InvalidArgumentException.class)
          .hasMessageContaining("l0.tar")
          .hasMessageContaining(": entry \"./bad\\x")
          .hasMessageEndingWith(NOT_UTF8)
          .hasMessageNotContaining("\n");
    }
    assertThat(fix.state()).isEqualTo(before);
    assertThat(images.list()).isEmpty();
    // without the bad names: café, valid UTF-8, stays café
    sh("cd " + names + " && rm bad*");
    sh("tar --format=gnu -C " + names + " -cf " + dir.resolve("cafe.tar") + " .");
    images.importPath(names.toString(), "cafedir:1");
    images.importPath(dir.resolve("cafe.tar").toString(), "cafetar:1");
    assertThat(images.list()).hasSize(2);
    assertThat(images.inspect("cafedir:1").layers())
        .isEqualTo(images.inspect("cafetar:1").layers());
  }

  @Test
  void anEntryBehindASymlinkThatLeadsNowhereIsRefusedNamingTheTarAndTheEntry() throws IOException {
    Path symabs =
        write(
            "symabs.tar",
            new TarBuilder().symlink("link", "/tmp").file("link/evil-abs-link", "x").bytes());
    refused(
        () -> images.importPath(symabs.toString(), "sa:1"),
        "tar symabs.tar: layer entry link/evil-abs-link: its parent /link is a symlink to /tmp,"
            + " which leads to no directory of the layer");
    Path dirsym =
        write(
            "dirsym-then-file.tar",
            new TarBuilder().dir("d", 0755).symlink("d", "/etc").file("d/passwd", "x").bytes());
    refused(
        () -> images.importPath(dirsym.toString(), "d:1"),
        "tar dirsym-then-file.tar: layer entry d/passwd: its parent /d is a symlink to /etc");
    Path toFile =
        write(
            "tofile.tar",
            new TarBuilder().file("f", "x").symlink("l", "f").file("l/a/b", "x").bytes());
    refused(
        () -> images.importPath(toFile.toString(), "tf:1"),
        "tar tofile.tar: layer entry l/a/b: its parent /l is a symlink to f");
  }

  /**
   * The longest symlink target Linux allows is kept; an xattr over what one attribute holds is
   * refused naming the entry and the limit. Both were "internal error (IllegalArgumentException)"
   * (docs/ADVERSARIAL.md, F19).
   */
  @Test
  void aLongestSymlinkIsKeptAndAnXattrTooLargeIsRefusedSayingSo() throws IOException {
    String target = "t".repeat(4095);
    Path longLink =
        write("long-link.tar", new TarBuilder().symlink("L", target).file("f", "x").bytes());
    images.importPath(longLink.toString(), "ll:1");
    assertThat(images.list()).hasSize(1);
    Path big =
        write(
            "big-xattr.tar",
            new TarBuilder()
                .file("f", "x", 0644, 0, 0, Map.of("SCHILY.xattr.user.big", "v".repeat(6000)))
                .bytes());
    List<String> before = fix.state();
    assertThatThrownBy(() -> images.importPath(big.toString(), "bx:1"))
        .isInstanceOf(InvalidArgumentException.class)
        .hasMessageContaining("big-xattr.tar")
        .hasMessageContaining("xattr user.big on /f: a value of 6000 bytes is over the 5103")
        .hasMessageNotContaining("\n");
    assertThat(fix.state()).isEqualTo(before);
  }

  @Test
  void anXattrWithoutANameIsRefusedSayingSo() throws IOException {
    Path pax =
        write(
            "pax-xattr.tar",
            new TarBuilder()
                .file(
                    "ok", "x", 0644, 0, 0, Map.of("SCHILY.xattr.", "v", "SCHILY.xattr.user.a", "b"))
                .bytes());
    refused(
        () -> images.importPath(pax.toString(), "px:1"),
        "tar pax-xattr.tar: layer entry ok: PAX record SCHILY.xattr. names no extended attribute");
  }

  @Test
  void aManifestThatIsNotJsonIsRefusedInOneLine() throws IOException {
    Path archive =
        write(
            "garbage-manifest.tar", new TarBuilder().file("manifest.json", "{{{not json").bytes());
    refused(
        () -> images.importPath(archive.toString(), null),
        "docker archive garbage-manifest.tar manifest.json: not valid JSON at line 1, column 2");
  }

  /**
   * An OCI layout of one single-layer image whose layer descriptor's size becomes {@code size}
   * (null: none); the store holds no image again.
   */
  private Path layoutWithLayerSize(String name, JsonNode size) throws IOException {
    images.importPath(
        write("one.tar", new TarBuilder().file("f", "0123456789").bytes()).toString(), "one:1");
    Path oci = dir.resolve(name);
    images.exportLayout("one:1", oci);
    images.remove("one:1", id -> false);
    ObjectNode index = JsonCodec.object(Files.readAllBytes(oci.resolve("index.json")), "index");
    ObjectNode desc = (ObjectNode) index.path("manifests").get(0);
    Path manifestFile = oci.resolve("blobs/sha256/" + desc.path("digest").asText().substring(7));
    ObjectNode manifest = JsonCodec.object(Files.readAllBytes(manifestFile), "manifest");
    ObjectNode layer = (ObjectNode) manifest.path("layers").get(0);
    if (size == null) {
      layer.remove("size");
    } else {
      layer.set("size", size);
    }
    byte[] m = JsonCodec.bytes(manifest);
    String digest = DockerArchive.sha(m);
    Files.write(oci.resolve("blobs/sha256/" + digest.substring(7)), m);
    desc.put("digest", digest).put("size", m.length);
    Files.write(oci.resolve("index.json"), JsonCodec.bytes(index));
    return oci;
  }

  @Test
  void aLayerDescriptorWhoseSizeLiesIsRefusedNamingTheBlobAndBothSizes() throws IOException {
    Path lie = layoutWithLayerSize("oci-size-lie", JsonCodec.MAPPER.getNodeFactory().numberNode(5));
    List<String> before = fix.state();
    assertThatThrownBy(() -> images.importPath(lie.toString(), "sizelie:1"))
        .isInstanceOf(InvalidArgumentException.class)
        .hasMessageContaining("blobs/sha256/")
        .hasMessageMatching(".*: blob is [0-9]+ bytes, its descriptor says 5")
        .hasMessageNotContaining("\n");
    assertThat(fix.state()).isEqualTo(before);
  }

  @Test
  void aNegativeOrMissingDescriptorSizeIsRefused() throws IOException {
    Path neg = layoutWithLayerSize("oci-negsize", JsonCodec.MAPPER.getNodeFactory().numberNode(-1));
    List<String> before = fix.state();
    assertThatThrownBy(() -> images.importPath(neg.toString(), "neg:1"))
        .isInstanceOf(InvalidArgumentException.class)
        .hasMessageContaining("descriptor size -1 is not a byte count");
    assertThat(fix.state()).isEqualTo(before);
    Path none = layoutWithLayerSize("oci-nosize", null);
    assertThatThrownBy(() -> images.importPath(none.toString(), "none:1"))
        .isInstanceOf(InvalidArgumentException.class)
        .hasMessageContaining("descriptor size missing is not a byte count");
    assertThat(fix.state()).isEqualTo(before);
  }
}
