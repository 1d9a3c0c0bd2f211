package io.strata.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** stratad's options as it reads them, without starting a server (POSIX file modes). */
@Timeout(30)
class StratadTest {
  @TempDir Path dir;

  private ServerConfig config(String... args) throws Exception {
    Stratad stratad =
        new Stratad(
            new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8), Map.of());
    Stratad.commandLine(stratad, System.err).parseArgs(args);
    return stratad.config();
  }

  private Path token(String mode) throws Exception {
    Path f = Files.writeString(dir.resolve("token-" + mode), "s3cret\n");
    Files.setPosixFilePermissions(f, PosixFilePermissions.fromString(mode));
    return f;
  }

  @Test
  void registryOptionsAreRead() throws Exception {
    ServerConfig none = config("--data", dir.resolve("d").toString());
    assertThat(none.registry()).isNull();
    ServerConfig c =
        config(
            "--data",
            dir.resolve("d").toString(),
            "--registry",
            "127.0.0.1:5000",
            "--registry-anonymous-pull");
    assertThat(c.registry().listen()).isEqualTo(new io.strata.protocol.HostPort("127.0.0.1", 5000));
    assertThat(c.registry().anonymousPull()).isTrue();
    assertThat(c.registry().tlsCert()).isNull();
  }

  @Test
  void registryOptionsWithoutRegistryOrHalfATlsPairAreRefused() {
    assertThatThrownBy(
            () -> config("--data", dir.resolve("d").toString(), "--registry-anonymous-pull"))
        .isInstanceOf(picocli.CommandLine.ParameterException.class);
    assertThatThrownBy(
            () ->
                config(
                    "--data",
                    dir.resolve("d").toString(),
                    "--registry",
                    "127.0.0.1:5000",
                    "--registry-tls-cert",
                    dir.resolve("cert.pem").toString()))
        .isInstanceOf(picocli.CommandLine.ParameterException.class);
  }

  @Test
  void aPrivateTokenFileIsRead() throws Exception {
    ServerConfig c =
        config(
            "--data", dir.resolve("d").toString(), "--token-file", token("rw-------").toString());
    assertThat(c.token()).isEqualTo("s3cret".getBytes(StandardCharsets.UTF_8));
    ServerConfig r =
        config(
            "--data", dir.resolve("d").toString(), "--token-file", token("r--------").toString());
    assertThat(r.token()).isEqualTo("s3cret".getBytes(StandardCharsets.UTF_8));
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "rw-r--r--",
        "rw-r-----",
        "rw----r--",
        "rw--w----",
        "rw-----w-",
        "rwx--x---",
        "rw-rw-rw-"
      })
  void aTokenFileOthersMayAccessIsRefusedInOneLine(String mode) throws Exception {
    Path f = token(mode);
    String octal = octal(mode);
    assertThatThrownBy(
            () -> config("--data", dir.resolve("d").toString(), "--token-file", f.toString()))
        .isInstanceOf(StartupException.class)
        .hasMessage(
            "--token-file "
                + f
                + ": mode "
                + octal
                + " lets group or others access the token; make it private with chmod 600 "
                + f);
  }

  /** {@code rw-r--r--} as {@code 0644}, computed here independently of the server's code. */
  private static String octal(String mode) {
    int m = 0;
    for (int i = 0; i < 9; i++) {
      if (mode.charAt(i) != '-') {
        m |= 1 << (8 - i);
      }
    }
    return "0" + Integer.toOctalString(m);
  }

  /**
   * A data root whose LOCK is a symlink that leads nowhere, and one that is itself such a symlink:
   * the start is refused saying what is wrong with which file (it said the path alone: "data root
   * /d: /d/LOCK", adversarial finding S5).
   */
  @Test
  void aDataRootOrLockThatIsADanglingSymlinkIsRefusedSayingSo() throws Exception {
    Path data = dir.resolve("d");
    Files.createDirectories(data);
    Path nowhere = dir.resolve("nowhere/LOCK");
    Files.createSymbolicLink(data.resolve("LOCK"), nowhere);
    assertThatThrownBy(() -> StrataServer.start(ServerConfig.loopback(data)))
        .isInstanceOf(StartupException.class)
        .hasMessage(
            "data root "
                + data
                + ": "
                + data.resolve("LOCK")
                + ": a symlink to "
                + nowhere
                + ", which does not exist");
    Path link = dir.resolve("link");
    Path gone = dir.resolve("gone/root");
    Files.createSymbolicLink(link, gone);
    assertThatThrownBy(() -> StrataServer.start(ServerConfig.loopback(link)))
        .isInstanceOf(StartupException.class)
        .hasMessageEndingWith(link + ": a symlink to " + gone + ", which does not exist");
  }
}
