package io.strata.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HostPortTest {
  @Test
  void parsesNamesV4AndBracketedV6() {
    assertThat(HostPort.parse("127.0.0.1:7420")).isEqualTo(new HostPort("127.0.0.1", 7420));
    assertThat(HostPort.parse("localhost:0")).isEqualTo(new HostPort("localhost", 0));
    assertThat(HostPort.parse("[::1]:80")).isEqualTo(new HostPort("::1", 80));
    assertThat(new HostPort("::1", 80)).hasToString("[::1]:80");
  }

  @Test
  void refusesMalformedAddresses() {
    assertThatThrownBy(() -> HostPort.parse("7420")).hasMessageContaining("expected HOST:PORT");
    assertThatThrownBy(() -> HostPort.parse("host:")).hasMessageContaining("expected HOST:PORT");
    assertThatThrownBy(() -> HostPort.parse("host:x")).hasMessageContaining("not a number");
    assertThatThrownBy(() -> HostPort.parse("host:70000")).hasMessageContaining("0 to 65535");
    assertThatThrownBy(() -> HostPort.parse("::1:80")).hasMessageContaining("brackets");
  }

  @Test
  void tokenFilesLoseTrailingWhitespaceOnly(@TempDir Path dir) throws IOException {
    Path f = dir.resolve("token");
    Files.writeString(f, " s3cret\r\n\n");
    assertThat(new String(TokenFile.read(f))).isEqualTo(" s3cret");
    Files.writeString(f, "\n");
    assertThatThrownBy(() -> TokenFile.read(f)).hasMessageContaining("is empty");
    assertThatThrownBy(() -> TokenFile.read(dir.resolve("missing")))
        .hasMessageContaining("does not exist");
  }
}
