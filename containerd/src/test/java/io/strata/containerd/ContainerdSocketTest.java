package io.strata.containerd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.strata.store.error.InvalidArgumentException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** {@code --containerd-socket [NAME=]PATH}: what names a space and what is a path. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class ContainerdSocketTest {
  @Test
  void aBarePathIsTheDefaultSpaceAndNameEqualsPathNamesOne() {
    assertThat(ContainerdSocket.parse("/run/strata/c.sock"))
        .isEqualTo(new ContainerdSocket("_", Path.of("/run/strata/c.sock")));
    assertThat(ContainerdSocket.parse("k8s.io=/run/strata/k.sock"))
        .isEqualTo(new ContainerdSocket("k8s.io", Path.of("/run/strata/k.sock")));
    assertThat(ContainerdSocket.parse("_=/run/strata/c.sock").space()).isEqualTo("_");
    // a path holding '=' starts with / or .
    assertThat(ContainerdSocket.parse("/run/a=b/c.sock"))
        .isEqualTo(ContainerdSocket.of(Path.of("/run/a=b/c.sock")));
    assertThat(ContainerdSocket.parse("./a=b.sock"))
        .isEqualTo(ContainerdSocket.of(Path.of("a=b.sock").toAbsolutePath()));
    // relative paths are made absolute, so the same socket is recognised however written
    assertThat(ContainerdSocket.parse("docker=x/../c.sock").path())
        .isEqualTo(Path.of("c.sock").toAbsolutePath());
  }

  @Test
  void aBadNameOrAMissingPathIsRefused() {
    assertThatThrownBy(() -> ContainerdSocket.parse("my space=/run/c.sock"))
        .isInstanceOf(InvalidArgumentException.class)
        .hasMessage(
            "my space=/run/c.sock: space name my space must be at most 76 letters and digits"
                + " joined by single '.', '_' or '-' (a path holding '=' starts with / or ./)");
    assertThatThrownBy(() -> ContainerdSocket.parse("a:b=/run/c.sock"))
        .hasMessageContaining("space name a:b must be");
    assertThatThrownBy(() -> ContainerdSocket.parse("k8s=")).hasMessage("k8s=: no socket path");
  }

  @Test
  void twoSocketsInOneSpaceOrOnePathTwiceAreRefused() {
    assertThatThrownBy(() -> ContainerdSocket.parseAll(List.of("/run/a.sock", "/run/b.sock")))
        .isInstanceOf(InvalidArgumentException.class)
        .hasMessage(
            "/run/b.sock: space _ is /run/a.sock's already; each containerd needs a space of its"
                + " own: give each socket a name, NAME=PATH");
    assertThatThrownBy(() -> ContainerdSocket.parseAll(List.of("a=/run/a.sock", "a=/run/b.sock")))
        .hasMessageContaining("space a is a=/run/a.sock's already");
    assertThatThrownBy(
            () -> ContainerdSocket.parseAll(List.of("a=/run/a.sock", "b=/run/x/../a.sock")))
        .hasMessage("b=/run/x/../a.sock: socket /run/a.sock is a=/run/a.sock's already");
    assertThat(ContainerdSocket.parseAll(List.of("/run/a.sock", "k8s=/run/k.sock")))
        .extracting(ContainerdSocket::space)
        .containsExactly("_", "k8s");
  }
}
