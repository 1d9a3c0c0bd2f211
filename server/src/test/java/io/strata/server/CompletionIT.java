package io.strata.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.strata.client.cli.StrataCli;
import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code strata completion} in a real bash: commands from the picocli model, and the names of
 * images, containers and volumes asked of a real stratad.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class CompletionIT {
  @TempDir Path dir;

  @Test
  void bashCompletesCommandsAndNamesFromTheServer() throws Exception {
    try (TestServer s = TestServer.start(dir.resolve("data"))) {
      byte[] archive = Tars.dockerSave(Tars.of("etc/motd", "hi\n"), "base:1");
      assertThat(s.cli(Map.of(), new ByteArrayInputStream(archive), "load").code()).isZero();
      assertThat(s.cli("create", "--name", "web", "-v", "data:/data", "base:1").code()).isZero();
      Path script = dir.resolve("strata.bash");
      Files.write(script, s.cli("completion").stdout());
      Path bin = Files.createDirectories(dir.resolve("bin"));
      Path strata = bin.resolve("strata");
      Files.writeString(
          strata,
          "#!/bin/sh\nexec '"
              + Path.of(System.getProperty("java.home"), "bin", "java")
              + "' -cp '"
              + System.getProperty("java.class.path")
              + "' "
              + StrataCli.class.getName()
              + " --host "
              + s.address()
              + " \"$@\"\n");
      Files.setPosixFilePermissions(strata, PosixFilePermissions.fromString("rwx------"));
      assertThat(complete(bin, script, "rmi", "")).isEqualTo("base:1");
      assertThat(complete(bin, script, "rm", "w")).isEqualTo("web");
      assertThat(complete(bin, script, "volume", "rm", "")).isEqualTo("data");
      assertThat(complete(bin, script, "inspect", "")).isEqualTo("base:1 web");
      assertThat(complete(bin, script, "image", "l")).isEqualTo("ls list");
    }
  }

  /** What bash offers for the last of {@code words} after {@code strata}. */
  private String complete(Path bin, Path script, String... words) throws Exception {
    StringBuilder w = new StringBuilder("strata");
    for (String word : words) {
      w.append(" '").append(word).append("'");
    }
    String cmd =
        "PATH='"
            + bin
            + "':$PATH; source '"
            + script
            + "'; COMP_WORDS=("
            + w
            + "); COMP_CWORD="
            + words.length
            + "; COMP_LINE=\"${COMP_WORDS[*]}\"; COMP_POINT=${#COMP_LINE}; _strata_complete_names;"
            + " echo \"${COMPREPLY[*]}\"";
    Cli.Result r = Cli.sh("bash -c " + quote(cmd), 60);
    assertThat(r.exit()).as(r.out()).isZero();
    String[] lines = r.out().strip().split("\n");
    return lines[lines.length - 1].strip();
  }

  private static String quote(String s) {
    return "'" + s.replace("'", "'\\''") + "'";
  }
}
