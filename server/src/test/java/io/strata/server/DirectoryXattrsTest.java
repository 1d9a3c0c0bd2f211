package io.strata.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.strata.client.tar.TreeTar;
import io.strata.store.error.InvalidArgumentException;
import io.strata.store.fs.FileSystemView;
import io.strata.store.image.ImageFixture;
import io.strata.store.image.ImportResult;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A directory's extended attributes reach its layer both ways a directory comes in (F10, session
 * 17): the client's tar ({@code strata image import DIR} from another host, sent in the canonical
 * form) and the server reading its own host ({@code HostTree}: an import or a build context given
 * as a path). Both give the same layer, byte for byte, the client's stream hashed as it arrives
 * (never read back). Runs as root, as CI does; setfattr (package attr) sets the attributes.
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class DirectoryXattrsTest {
  /** cap_setuid and cap_net_raw, version 2: bytes 0x80 and 0x00, which UTF-8 text mangles. */
  private static final String CAP = "0100000280200000000000000000000000000000";

  @TempDir Path dir;
  private ImageFixture fix;

  @BeforeEach
  void open() throws Exception {
    fix = new ImageFixture(dir.resolve("store"));
  }

  @AfterEach
  void close() throws Exception {
    fix.close();
  }

  private static void sh(String cmd) throws Exception {
    Process p = new ProcessBuilder("sh", "-c", cmd).redirectErrorStream(true).start();
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).as(cmd).isTrue();
    assertThat(p.exitValue())
        .as("%s: %s", cmd, new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8))
        .isZero();
  }

  private Path tree() throws Exception {
    Path root = Files.createDirectories(dir.resolve("root"));
    Path bin = Files.createDirectories(root.resolve("bin"));
    Path ping = Files.writeString(bin.resolve("ping"), "binary\n");
    Files.createLink(bin.resolve("ping6"), ping);
    Files.writeString(root.resolve("plain"), "none\n");
    sh("setfattr -n security.capability -v 0x" + CAP + " " + ping);
    sh("setfattr -n user.bin -v 0x00ff0a3d " + ping);
    sh("setfattr -n user.dir -v d " + bin);
    return root;
  }

  private ImportResult.Layer onlyLayer(ImportResult r) {
    return r.images().get(0).layers().get(0);
  }

  private void assertXattrs(String chainId, String path) throws Exception {
    FileSystemView fs = fix.driver().fs(chainId);
    assertThat(HexFormat.of().formatHex(fs.getXattr(path, "security.capability"))).isEqualTo(CAP);
    assertThat(fs.getXattr(path, "user.bin")).containsExactly(0, 0xff, '\n', '=');
    assertThat(fs.getXattr("/bin", "user.dir")).containsExactly('d');
    assertThat(fs.listXattrs("/plain")).isEmpty();
  }

  @Test
  void theClientsTarAndTheServersReadGiveOneLayerWithEveryAttribute() throws Exception {
    Path root = tree();
    ByteArrayOutputStream sent = new ByteArrayOutputStream();
    TreeTar.writeLayer(root, sent);
    ImportResult.Layer viaClient =
        onlyLayer(
            fix.images()
                .importLayerTar(new ByteArrayInputStream(sent.toByteArray()), "c:1", "dir root"));
    assertThat(fix.layers().plainTarsReadBack())
        .as("the client's tar is the canonical one, hashed as it came")
        .isZero();
    assertXattrs(viaClient.chainId(), "/bin/ping");
    assertXattrs(viaClient.chainId(), "/bin/ping6");

    ImportResult.Layer viaServer = onlyLayer(fix.images().importPath(root.toString(), "s:1"));
    assertThat(viaServer.diffId()).isEqualTo(viaClient.diffId());

    // a build context read from this host: COPY keeps them too
    Path ctx = Files.createDirectories(dir.resolve("ctx"));
    sh("cp -a " + root.resolve("bin") + " " + ctx);
    ImportResult built =
        fix.images().build("FROM scratch\nCOPY bin /bin\n", List.of("b:1"), ctx, s -> {});
    String chain = built.images().get(0).layers().get(0).chainId();
    FileSystemView fs = fix.driver().fs(chain);
    assertThat(HexFormat.of().formatHex(fs.getXattr("/bin/ping", "security.capability")))
        .isEqualTo(CAP);
  }

  @Test
  void anAttributeNameThatIsNotUtf8IsRefusedNamingTheFile() throws Exception {
    Path root = Files.createDirectories(dir.resolve("bad"));
    Path f = Files.writeString(Files.createDirectories(root.resolve("d")).resolve("f"), "x");
    sh("setfattr -n \"$(printf 'user.bad\\377')\" -v 1 " + f);
    List<String> before = fix.state();
    assertThatThrownBy(() -> fix.images().importPath(root.toString(), "bad:1"))
        .isInstanceOf(InvalidArgumentException.class)
        .hasMessage(
            "directory "
                + root
                + ": file \"d/f\": the extended attribute name \"user.bad\\xff\" is not valid"
                + " UTF-8 (Strata keeps attribute names as UTF-8)");
    assertThat(fix.state()).isEqualTo(before);
  }
}
