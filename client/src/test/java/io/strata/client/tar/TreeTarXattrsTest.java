package io.strata.client.tar;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Extended attributes through the client's tars (F9, F10, session 17): a directory's tar carries
 * every attribute the kernel lists ({@code security.capability}, {@code trusted.*}, {@code user.*})
 * as PAX records byte for byte, GNU tar reads them, and {@code strata cp}'s unpacking sets them
 * again. Runs as root, as CI does (setting {@code security.*} and {@code trusted.*} needs it); the
 * attributes are set with setfattr (package attr), which CI installs.
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class TreeTarXattrsTest {
  /**
   * A version 2 capability set, cap_setuid and cap_net_raw permitted and effective: bytes 0x80 and
   * 0x00 are what a UTF-8 round trip mangles.
   */
  static final String CAP = "0100000280200000000000000000000000000000";

  static final String BINARY = "00ff80fe0a3d"; // NUL, bytes that are no UTF-8, '\n', '='

  @TempDir Path dir;

  private static String sh(String cmd) throws Exception {
    Process p = new ProcessBuilder("sh", "-c", cmd).redirectErrorStream(true).start();
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).as(cmd).isTrue();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.exitValue()).as("%s: %s", cmd, out).isZero();
    return out;
  }

  private static String hex(byte[] b) {
    return HexFormat.of().formatHex(b);
  }

  /** Entry name to its xattrs (name to hex value), as the client's reader gives them. */
  private static Map<String, Map<String, String>> xattrs(byte[] tar) throws IOException {
    Map<String, Map<String, String>> out = new LinkedHashMap<>();
    try (XattrTarInputStream in = new XattrTarInputStream(new ByteArrayInputStream(tar), "t")) {
      TarArchiveEntry e;
      while ((e = in.getNextEntry()) != null) {
        Map<String, String> x = new TreeMap<>();
        in.xattrs().forEach((k, v) -> x.put(k, hex(v)));
        out.put(e.getName(), x);
      }
    }
    return out;
  }

  private Path tree() throws Exception {
    Path root = Files.createDirectories(dir.resolve("root"));
    Path d = Files.createDirectories(root.resolve("d"));
    Path ping = Files.writeString(d.resolve("ping"), "binary\n");
    Files.createLink(root.resolve("ping2"), ping);
    Files.writeString(root.resolve("plain"), "no attributes\n");
    Files.createSymbolicLink(root.resolve("link"), Path.of("d/ping"));
    sh("setfattr -n security.capability -v 0x" + CAP + " " + ping);
    sh("setfattr -n user.bin -v 0x" + BINARY + " " + ping);
    sh("setfattr -n user.empty " + ping);
    sh("setfattr -n trusted.t -v tv " + ping);
    sh("setfattr -n user.dir -v dv " + d);
    sh("setfattr -h -n trusted.onlink -v lv " + root.resolve("link"));
    return root;
  }

  @Test
  void everyAttributeIsRecordedByteForByteAndGnuTarReadsThem() throws Exception {
    Path root = tree();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    TreeTar.write(root, out);
    byte[] tar = out.toByteArray();

    Map<String, String> ping =
        Map.of(
            "security.capability", CAP, "trusted.t", "7476", "user.bin", BINARY, "user.empty", "");
    Map<String, Map<String, String>> got = xattrs(tar);
    assertThat(got.get("./d/ping")).isEqualTo(ping);
    assertThat(got.get("./ping2"))
        .as("a hard link carries its file's, as the server writes it")
        .isEqualTo(ping);
    assertThat(got.get("./d/")).isEqualTo(Map.of("user.dir", "6476"));
    assertThat(got.get("./link")).isEqualTo(Map.of("trusted.onlink", "6c76"));
    assertThat(got.get("./plain")).isEmpty();

    Path file = Files.write(dir.resolve("x.tar"), tar);
    String listing = sh("tar --xattrs --xattrs-include='*' -tvv -f " + file);
    assertThat(listing).contains("x: 20 security.capability", "x: 6 user.bin", "x: 2 trusted.t");
    // and GNU tar extracts the capability the kernel accepts
    Path gnu = Files.createDirectories(dir.resolve("gnu"));
    sh("tar --xattrs --xattrs-include='*' -xpf " + file + " -C " + gnu);
    assertThat(sh("getfattr -e hex -n security.capability " + gnu.resolve("d/ping")))
        .contains("security.capability=0x" + CAP);
  }

  /**
   * The layer form too, in the header the server's LayerTarWriter writes (the name, then xattrs).
   */
  @Test
  void theLayerFormPutsTheNameAndTheAttributesInOneHeader() throws Exception {
    Path root = tree();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    TreeTar.writeLayer(root, out);
    byte[] tar = out.toByteArray();
    assertThat(xattrs(tar).get("d/ping")).containsEntry("security.capability", CAP);
    String text = new String(tar, StandardCharsets.ISO_8859_1);
    int header = text.indexOf("d/PaxHeaders.0/ping");
    assertThat(header).isNotNegative();
    assertThat(text.substring(header + 512, header + 512 + 15)).isEqualTo("15 path=d/ping\n");
    assertThat(text.substring(header + 512 + 15))
        .startsWith("57 SCHILY.xattr.security.capability=");
  }

  @Test
  void anAttributeNameThatIsNotUtf8IsRefusedNamingTheFile() throws Exception {
    Path root = Files.createDirectories(dir.resolve("bad"));
    Path f = Files.writeString(root.resolve("f"), "x");
    sh("setfattr -n \"$(printf 'user.bad\\377')\" -v 1 " + f);
    assertThatThrownBy(() -> TreeTar.write(root, new ByteArrayOutputStream()))
        .isInstanceOf(IOException.class)
        .hasMessageContaining(
            "/bad/f: the extended attribute name \"user.bad\\xff\" is not valid UTF-8");
  }

  /** cp out: the attributes come back byte for byte on what was unpacked, as root. */
  @Test
  void unpackingSetsTheAttributesAgain() throws Exception {
    Path root = tree();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    TreeTar.writeNamed(root, "copy", out);
    Path into = Files.createDirectories(dir.resolve("into"));
    List<String> skipped =
        TreeUnpacker.unpack(new ByteArrayInputStream(out.toByteArray()), into, "test tar");
    assertThat(skipped).isEmpty();
    String dump = sh("cd " + into + " && getfattr -R -h -d -m - -e hex copy");
    assertThat(dump)
        .contains(
            "# file: copy/d\nuser.dir=0x6476",
            "security.capability=0x" + CAP,
            "trusted.t=0x7476",
            "user.bin=0x" + BINARY,
            "user.empty",
            "# file: copy/link\ntrusted.onlink=0x6c76");
    assertThat(sh("getfattr -d -m - " + into.resolve("copy/plain"))).isEmpty();
  }

  /**
   * What the kernel does not let this user set is left out and named, as a non-root {@code tar -x}
   * leaves it: {@code user.*} on a symlink is refused even to root.
   */
  @Test
  void anAttributeTheKernelRefusesIsNamedNotFatal() throws Exception {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    try (TarArchiveOutputStream t = TreeTar.layerStream(b)) {
      TarArchiveEntry link = new TarArchiveEntry("l", TarConstants.LF_SYMLINK);
      link.setLinkName("target");
      TreeTar.putWithXattrs(t, link, new TreeMap<>(Map.of("user.x", new byte[] {1})));
      t.closeArchiveEntry();
      TarArchiveEntry f = new TarArchiveEntry("f");
      f.setSize(1);
      TreeTar.putWithXattrs(t, f, new TreeMap<>(Map.of("user.y", new byte[] {(byte) 0xff})));
      t.write('f');
      t.closeArchiveEntry();
    }
    Path into = Files.createDirectories(dir.resolve("refused"));
    List<String> skipped =
        TreeUnpacker.unpack(new ByteArrayInputStream(b.toByteArray()), into, "test tar");
    assertThat(skipped).containsExactly("l: user.x (Operation not permitted)");
    assertThat(sh("getfattr -e hex -n user.y " + into.resolve("f"))).contains("user.y=0xff");
  }
}
