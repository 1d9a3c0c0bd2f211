package io.strata.client.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.strata.protocol.message.FileItem;
import org.junit.jupiter.api.Test;

/** What the container, file and volume commands decide on their own, without a server. */
class ContainerCommandsTest {
  private final CliHarness cli = new CliHarness();

  @Test
  void cpNeedsExactlyOneContainerSide() {
    assertThat(cli.offline("cp", "/tmp/a", "./b")).isEqualTo(ExitStatus.USAGE);
    assertThat(cli.err()).contains("one of SRC and DEST must be CONTAINER:PATH");
    assertThat(cli.offline("cp", "c1:/a", "c2:/b")).isEqualTo(ExitStatus.USAGE);
    assertThat(cli.err()).contains("copying between containers is not supported");
    assertThat(cli.offline("cp", "-", "-")).isEqualTo(ExitStatus.USAGE);
    assertThat(cli.offline("cp", "c1:", "/tmp")).isEqualTo(ExitStatus.USAGE);
    assertThat(cli.err()).contains("cp: c1: names no path after the colon");
    assertThat(cli.offline("cp", "c1:/a")).isEqualTo(ExitStatus.USAGE);
  }

  @Test
  void cpWithOneContainerSideConnects() {
    assertThat(cli.offline("cp", "c1:/etc/hosts", "-")).isEqualTo(ExitStatus.UNREACHABLE);
    assertThat(cli.offline("cp", "./local:file", "c1:/tmp")).isEqualTo(ExitStatus.UNREACHABLE);
  }

  @Test
  void tarsNeverGoToOrComeFromATerminal() {
    cli.terminals();
    assertThat(cli.offline("cp", "c1:/etc", "-")).isEqualTo(ExitStatus.USAGE);
    assertThat(cli.err()).contains("refusing to write a tar to a terminal");
    assertThat(cli.offline("cp", "-", "c1:/etc")).isEqualTo(ExitStatus.USAGE);
    assertThat(cli.offline("export", "c1")).isEqualTo(ExitStatus.USAGE);
    assertThat(cli.offline("export", "c1", "-o", "-")).isEqualTo(ExitStatus.USAGE);
    assertThat(cli.err()).contains("export of container c1: refusing to write a tar to a terminal");
    assertThat(cli.offline("export", "c1", "-o", "c1.tar")).isEqualTo(ExitStatus.UNREACHABLE);
  }

  @Test
  void copyPathsParseAsDockerCpDoes() {
    assertThat(CopyPath.parse("c1:/etc/hosts")).isEqualTo(new CopyPath("c1", "/etc/hosts"));
    assertThat(CopyPath.parse("c1:etc")).isEqualTo(new CopyPath("c1", "/etc"));
    assertThat(CopyPath.parse("./a:b").inContainer()).isFalse();
    assertThat(CopyPath.parse("/x:y").inContainer()).isFalse();
    assertThat(CopyPath.parse("plain").inContainer()).isFalse();
    assertThat(CopyPath.parse("-").stream()).isTrue();
    assertThat(CopyPath.parse("c1:/dir/.").contentOnly()).isTrue();
    assertThat(CopyPath.parse("out/").directorySyntax()).isTrue();
    assertThatThrownBy(() -> CopyPath.parse(":/x")).hasMessageContaining("names no container");
  }

  @Test
  void badModesAreUsageErrors() {
    assertThat(cli.offline("fs", "c1", "chmod", "9z", "/x")).isEqualTo(ExitStatus.USAGE);
    assertThat(cli.err()).contains("mode 9z: expected octal permission bits");
    assertThat(cli.offline("fs", "c1", "chmod", "77777", "/x")).isEqualTo(ExitStatus.USAGE);
    assertThat(cli.offline("fs", "c1", "mkdir", "-m", "u+x", "/d")).isEqualTo(ExitStatus.USAGE);
    assertThat(cli.offline("fs", "c1", "chmod", "0755", "/x")).isEqualTo(ExitStatus.UNREACHABLE);
  }

  @Test
  void badOffsetsAndSizesAreUsageErrors() {
    assertThat(cli.offline("fs", "c1", "write", "/x", "--offset", "-1"))
        .isEqualTo(ExitStatus.USAGE);
    assertThat(cli.err()).contains("--offset -1 is negative");
    assertThat(cli.offline("fs", "c1", "write", "/x", "--offset", "abc"))
        .isEqualTo(ExitStatus.USAGE);
    assertThat(cli.offline("fs", "c1", "truncate", "-s", "12Q", "/x")).isEqualTo(ExitStatus.USAGE);
    assertThat(cli.err()).contains("size 12Q: expected a byte count");
    assertThat(cli.offline("fs", "c1", "truncate", "/x")).isEqualTo(ExitStatus.USAGE);
    assertThat(cli.offline("fs", "c1", "write", "/x", "--offset", "4096"))
        .isEqualTo(ExitStatus.UNREACHABLE);
  }

  @Test
  void fsNeedsAContainerAndAnOperation() {
    assertThat(cli.offline("fs")).isEqualTo(ExitStatus.USAGE);
    assertThat(cli.offline("fs", "c1")).isEqualTo(ExitStatus.USAGE);
    assertThat(cli.offline("fs", "c1", "frob", "/x")).isEqualTo(ExitStatus.USAGE);
    assertThat(cli.offline("fs", "c1", "mv", "/a")).isEqualTo(ExitStatus.USAGE);
    assertThat(cli.offline("fs", "c1", "cat", "/etc/hosts")).isEqualTo(ExitStatus.UNREACHABLE);
  }

  @Test
  void removalsNeedTheirArguments() {
    assertThat(cli.offline("rm")).isEqualTo(ExitStatus.USAGE);
    assertThat(cli.offline("volume", "rm")).isEqualTo(ExitStatus.USAGE);
    assertThat(cli.offline("commit", "c1")).isEqualTo(ExitStatus.USAGE);
    assertThat(cli.offline("rm", "-f", "-v", "c1", "c2")).isEqualTo(ExitStatus.UNREACHABLE);
  }

  @Test
  void volumePruneWantsAYes() {
    assertThat(cli.offline("volume", "prune")).isEqualTo(ExitStatus.USAGE);
    assertThat(cli.err()).contains("give -f to confirm");
    assertThat(cli.offline("volume", "prune", "-f")).isEqualTo(ExitStatus.UNREACHABLE);
  }

  @Test
  void helpDescribesTheCommands() {
    assertThat(cli.offline("ps", "--help")).isZero();
    // the words, wherever the help's wrapping breaks its lines
    assertThat(cli.out().replaceAll("\\s+", " "))
        .contains("never runs them")
        .contains("with or without -a");
    assertThat(cli.offline("fs", "--help")).isZero();
    assertThat(cli.offline("fs", "c1", "write", "--help")).isZero();
    assertThat(cli.out()).contains("--offset");
    assertThat(cli.offline("volume", "prune", "--help")).isZero();
    assertThat(cli.offline("cp", "--help")).isZero();
    assertThat(cli.out()).contains("SRC/. copies its content only");
  }

  @Test
  void sizesAndModesReadAsPeopleWriteThem() {
    assertThat(ByteSize.parse("4096")).isEqualTo(4096);
    assertThat(ByteSize.parse("64K")).isEqualTo(64 << 10);
    assertThat(ByteSize.parse("8MiB")).isEqualTo(8 << 20);
    assertThat(ByteSize.parse("0")).isZero();
    assertThatThrownBy(() -> ByteSize.parse("9999999999999999999T"))
        .hasMessageContaining("too large");
    assertThat(FileMode.symbolic(file(FileItem.DIR, 0755))).isEqualTo("drwxr-xr-x");
    assertThat(FileMode.symbolic(file(FileItem.FILE, 04755))).isEqualTo("-rwsr-xr-x");
    assertThat(FileMode.symbolic(file(FileItem.DIR, 01777))).isEqualTo("drwxrwxrwt");
    assertThat(FileMode.symbolic(file(FileItem.SYMLINK, 0644))).isEqualTo("lrw-r--r--");
    assertThat(FileMode.octal(0644)).isEqualTo("0644");
  }

  private static FileItem file(String type, int mode) {
    return new FileItem("f", type, mode, 0, 0, 0, 1, "2026-01-01T00:00:00Z", null);
  }
}
