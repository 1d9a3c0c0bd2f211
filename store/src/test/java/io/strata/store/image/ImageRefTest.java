package io.strata.store.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.strata.store.error.InvalidArgumentException;
import org.junit.jupiter.api.Test;

class ImageRefTest {
  @Test
  void referencesDockerAcceptsParse() {
    assertThat(ImageRef.parse("debian")).isEqualTo(new ImageRef("debian", "latest"));
    assertThat(ImageRef.parse("debian:bookworm-slim").tag()).isEqualTo("bookworm-slim");
    assertThat(ImageRef.parse("library/debian:12.5").repository()).isEqualTo("library/debian");
    assertThat(ImageRef.parse("localhost:5000/acc/app:v1"))
        .isEqualTo(new ImageRef("localhost:5000/acc/app", "v1"));
    assertThat(ImageRef.parse("127.0.0.1:5000/app").tag()).isEqualTo("latest");
    assertThat(ImageRef.parse("Registry.Example.com/a_b/c__d/e--f.g:TAG_1").repository())
        .isEqualTo("Registry.Example.com/a_b/c__d/e--f.g");
    assertThat(ImageRef.parse("x".repeat(255) + ":1").repository()).hasSize(255);
  }

  @Test
  void referencesDockerRefusesAreRefusedNamingThem() {
    for (String bad :
        new String[] {
          "a:b:c", // a colon that is no port
          "a/../b:1",
          "a/./b:1",
          "a//b:1",
          "a:tag/x",
          "UPPER:1",
          "a:",
          "a:-bad",
          "a b:1",
          "/a:1",
          "a/:1",
          "a_:1",
          "-a:1",
          "a:" + "t".repeat(129),
          "x".repeat(256) + ":1",
          "host:port/app:1",
          "a@sha256:" + "0".repeat(64)
        }) {
      assertThatThrownBy(() -> ImageRef.parse(bad))
          .as(bad)
          .isInstanceOf(InvalidArgumentException.class)
          .hasMessageContaining("not a valid repository:tag");
    }
  }

  /** docker's reference store refuses these too: each would shadow an image id. */
  @Test
  void namesSpelledLikeImageIdsAreRefused() {
    assertThatThrownBy(() -> ImageRef.parse("sha256:e0fdaa985761"))
        .isInstanceOf(InvalidArgumentException.class)
        .hasMessage(
            "image reference sha256:e0fdaa985761: refusing to create an ambiguous tag using digest"
                + " algorithm as name");
    assertThatThrownBy(() -> ImageRef.parse("sha256"))
        .hasMessageContaining("digest algorithm as name");
    assertThatThrownBy(() -> ImageRef.parse("ab".repeat(32) + ":1"))
        .isInstanceOf(InvalidArgumentException.class)
        .hasMessageContaining("cannot specify 64-byte hexadecimal strings");
    assertThat(ImageRef.parse("team/sha256:1").repository()).isEqualTo("team/sha256");
    assertThat(ImageRef.parse("sha256x:1").repository()).isEqualTo("sha256x");
    assertThat(ImageRef.parse("ab".repeat(31) + ":1").tag()).isEqualTo("1");
  }
}
