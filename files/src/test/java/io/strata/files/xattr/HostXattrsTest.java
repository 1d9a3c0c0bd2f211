package io.strata.files.xattr;

import static io.strata.files.Shell.sh;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.strata.files.names.BadNameException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A host file's extended attributes through the C library. Runs as root, as CI does (reading and
 * setting {@code security.*} and {@code trusted.*} needs it); the attributes are set and checked
 * with setfattr and getfattr (package attr), which CI installs.
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class HostXattrsTest {
  /** A capability set: 0x80 and 0x00 are what a UTF-8 round trip mangles. */
  private static final String CAP = "0100000280200000000000000000000000000000";

  private static final String BINARY = "00ff80fe0a3d"; // NUL, bytes that are no UTF-8, '\n', '='

  /** A name for messages that fails the test if asked for: a read that succeeds never asks. */
  private static final Supplier<String> UNASKED =
      () -> {
        throw new AssertionError("the file's name was asked for without a failure");
      };

  @TempDir Path dir;

  private static Map<String, String> hex(Map<String, byte[]> x) {
    Map<String, String> out = new TreeMap<>();
    x.forEach((k, v) -> out.put(k, HexFormat.of().formatHex(v)));
    return out;
  }

  private byte[] bytes(Path p) {
    return HostXattrs.bytes(HostXattrs.bytes(dir), dir, p);
  }

  @Test
  void everyNamespaceIsReadByteForByteSortedByName() throws Exception {
    Path f = Files.writeString(dir.resolve("ping"), "x");
    sh("setfattr -n user.bin -v 0x" + BINARY + " " + f);
    sh("setfattr -n security.capability -v 0x" + CAP + " " + f);
    sh("setfattr -n trusted.t -v tv " + f);
    sh("setfattr -n user.empty " + f);
    Map<String, byte[]> x = HostXattrs.open().read(bytes(f), UNASKED);
    assertThat(x.keySet())
        .containsExactly("security.capability", "trusted.t", "user.bin", "user.empty");
    assertThat(hex(x))
        .containsEntry("security.capability", CAP)
        .containsEntry("trusted.t", "7476")
        .containsEntry("user.bin", BINARY)
        .containsEntry("user.empty", "");
    Path plain = Files.writeString(dir.resolve("plain"), "x");
    assertThat(HostXattrs.open().read(bytes(plain), UNASKED)).isEmpty();
  }

  /**
   * Never following a symlink, never opening a file: a FIFO's are read without blocking (the kernel
   * keeps user.* for regular files and directories only: trusted.* here).
   */
  @Test
  void aSymlinkAndAFifoHaveTheirOwn() throws Exception {
    Path target = Files.writeString(dir.resolve("target"), "x");
    sh("setfattr -n user.t -v t " + target);
    Path link = Files.createSymbolicLink(dir.resolve("link"), Path.of("target"));
    sh("setfattr -h -n trusted.onlink -v l " + link);
    sh("mkfifo " + dir.resolve("fifo") + " && setfattr -n trusted.f -v f " + dir.resolve("fifo"));
    HostXattrs x = HostXattrs.open();
    assertThat(hex(x.read(bytes(link), UNASKED))).isEqualTo(Map.of("trusted.onlink", "6c"));
    assertThat(hex(x.read(bytes(dir.resolve("fifo")), UNASKED)))
        .isEqualTo(Map.of("trusted.f", "66"));
  }

  @Test
  void anAttributeNameThatIsNotUtf8IsABadName() throws Exception {
    Path f = Files.writeString(dir.resolve("f"), "x");
    sh("setfattr -n \"$(printf 'user.bad\\377')\" -v 1 " + f);
    assertThatThrownBy(() -> HostXattrs.open().read(bytes(f), () -> "file F"))
        .isInstanceOf(BadNameException.class)
        .hasMessage(
            "file F: the extended attribute name \"user.bad\\xff\" is not valid UTF-8 (Strata"
                + " keeps attribute names as UTF-8)");
  }

  @Test
  void aFileThatIsNotThereIsNamed() {
    assertThatThrownBy(() -> HostXattrs.open().read(bytes(dir.resolve("gone")), () -> "file G"))
        .isInstanceOf(IOException.class)
        .hasMessage("file G: listing its extended attributes failed: No such file or directory");
  }

  /**
   * The path's exact bytes: below a base whose own name is not UTF-8 (the directory a user named),
   * whose string has U+FFFD for the bad byte, a file is still reached.
   */
  @Test
  void attributesAreSetAndReadThroughAPathsOwnBytes() throws Exception {
    sh("cd " + dir + " && mkdir \"$(printf 'd\\377')\" && printf x > \"$(printf 'd\\377')/f\"");
    Path base;
    try (DirectoryStream<Path> s = Files.newDirectoryStream(dir)) {
      base = s.iterator().next();
    }
    Path f = base.resolve("f");
    byte[] path = HostXattrs.bytes(HostXattrs.bytes(base), base, f);
    assertThat(new String(path, StandardCharsets.ISO_8859_1)).isEqualTo(dir + "/d\u00ff/f\0");
    assertThat(path[path.length - 1]).as("NUL-ended").isZero();
    HostXattrs x = HostXattrs.open();
    byte[] value = HexFormat.of().parseHex(BINARY);
    assertThat(x.set(path, "user.k", value, "entry f")).isNull();
    assertThat(hex(x.read(path, UNASKED))).isEqualTo(Map.of("user.k", BINARY));
    assertThat(sh("cd " + dir + "/d* && getfattr -e hex -n user.k f"))
        .contains("user.k=0x" + BINARY);
  }

  /** What the kernel refuses to set is said, not thrown: user.* on a symlink, even to root. */
  @Test
  void anAttributeTheKernelRefusesIsSaid() throws Exception {
    Path link = Files.createSymbolicLink(dir.resolve("link"), Path.of("nowhere"));
    assertThat(HostXattrs.open().set(bytes(link), "user.x", new byte[] {1}, "entry link"))
        .isEqualTo("Operation not permitted");
    assertThatThrownBy(
            () -> HostXattrs.open().set(bytes(dir.resolve("gone")), "user.x", new byte[0], "G"))
        .isInstanceOf(IOException.class)
        .hasMessage("G: setting its extended attribute user.x failed: No such file or directory");
  }
}
