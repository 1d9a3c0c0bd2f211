package io.strata.store.image.build;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.strata.store.error.InvalidArgumentException;
import io.strata.store.error.NotFoundException;
import io.strata.store.image.ImageFixture;
import io.strata.store.image.ImageStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The images a build names before it runs (what the server pulls first), and a build reading the
 * images its caller resolved for it rather than what the tags say by then.
 */
@Timeout(60)
class NamedImagesTest {
  @TempDir Path dir;

  private static List<String> refs(String dockerfile, BuildOptions options) {
    return NamedImages.of(dockerfile, options).stream().map(NamedImages.Named::ref).toList();
  }

  @Test
  void fromLinesAreExpandedWithGlobalArgsAndBuildArgsAsTheBuildExpandsThem() {
    String df =
        String.join(
            "\n",
            "ARG REG=localhost:5000",
            "ARG TAG=1",
            "FROM $REG/base/app:${TAG} AS build",
            "COPY a /a",
            "FROM scratch",
            "COPY --from=build /a /a");
    assertThat(refs(df, BuildOptions.DEFAULT)).containsExactly("localhost:5000/base/app:1");
    assertThat(refs(df, new BuildOptions(Map.of("TAG", "2"), null, false)))
        .containsExactly("localhost:5000/base/app:2");
    List<NamedImages.Named> named = NamedImages.of(df, BuildOptions.DEFAULT);
    assertThat(named.get(0).line()).isEqualTo(3);
    assertThat(named.get(0).what()).isEqualTo("Dockerfile line 3: FROM localhost:5000/base/app:1");
  }

  @Test
  void scratchEarlierStagesAndUnbuiltStagesAreNotNamedAndCopyFromImagesAre() {
    String df =
        String.join(
            "\n",
            "FROM registry.example:5000/tools:1 AS tools",
            "FROM scratch AS unused",
            "COPY --from=registry.example:5000/unused:1 /x /x",
            "FROM tools AS again",
            "FROM base:1",
            "COPY --from=tools /bin /bin",
            "COPY --from=again /bin /bin2",
            "COPY --from=localhost/other:2 /etc /etc",
            "COPY --from=localhost/other:2 /etc /etc2");
    List<NamedImages.Named> named = NamedImages.of(df, BuildOptions.DEFAULT);
    assertThat(named.stream().map(NamedImages.Named::ref))
        .as("each once, in order; stages, scratch, the unused stage and a variable left out")
        .containsExactly("registry.example:5000/tools:1", "base:1", "localhost/other:2");
    assertThat(named.get(2).what()).isEqualTo("Dockerfile line 8: COPY --from=localhost/other:2");
    assertThat(refs(df, new BuildOptions(Map.of(), "tools", false)))
        .as("--target builds only what it needs")
        .containsExactly("registry.example:5000/tools:1");
    assertThat(refs(df + "\nCOPY --from=$STAGE /z /z", BuildOptions.DEFAULT))
        .as(
            "a --from with a variable may read any earlier stage, so they all run; its own value"
                + " is left to the run")
        .containsExactly(
            "registry.example:5000/tools:1",
            "registry.example:5000/unused:1",
            "base:1",
            "localhost/other:2");
  }

  @Test
  void aDockerfileTheBuildRefusesIsRefusedBeforeAnythingIsPulled() {
    assertThatThrownBy(() -> NamedImages.of("FROM localhost/a:1\nRUN make\n", BuildOptions.DEFAULT))
        .isInstanceOf(InvalidArgumentException.class)
        .hasMessageContaining("line 2");
    assertThatThrownBy(
            () ->
                NamedImages.of(
                    "FROM localhost/a:1 AS a\n", new BuildOptions(Map.of(), "nosuch", false)))
        .isInstanceOf(InvalidArgumentException.class)
        .hasMessageContaining("build target nosuch");
  }

  @Test
  void aBuildReadsTheImageItsCallerResolvedAndSaysWhatIsNotInTheStore() throws IOException {
    try (ImageFixture fix = new ImageFixture(dir.resolve("store"))) {
      ImageStore images = fix.images();
      Path one = Files.createDirectories(dir.resolve("one/etc"));
      Files.writeString(one.resolve("which"), "pinned\n");
      String pinned =
          images.importPath(one.getParent().toString(), "reg.example/base:1").images().get(0).id();
      Path two = Files.createDirectories(dir.resolve("two/etc"));
      Files.writeString(two.resolve("which"), "retagged\n");
      // the tag moves to another image after the caller resolved it: the build keeps the first
      images.importPath(two.getParent().toString(), "reg.example/base:1");
      Path ctx = Files.createDirectories(dir.resolve("ctx"));
      List<String> log = new ArrayList<>();
      String df = "FROM reg.example/base:1\nCOPY --from=reg.example/base:1 /etc/which /copied\n";
      BuildOptions options = BuildOptions.DEFAULT.withImages(Map.of("reg.example/base:1", pinned));
      images.build(df, List.of("app:1"), options, ctx, log::add);
      assertThat(log).contains(" ---> " + pinned.substring(7, 19));
      String top = images.inspect("app:1").topLayer();
      assertThat(new String(fix.driver().fs(top).open("/etc/which").readAllBytes()))
          .isEqualTo("pinned\n");
      assertThat(new String(fix.driver().fs(top).open("/copied").readAllBytes()))
          .isEqualTo("pinned\n");

      assertThatThrownBy(
              () -> images.build("FROM debian:bookworm\n", List.of("x:1"), ctx, log::add))
          .isInstanceOf(NotFoundException.class)
          .hasMessage(
              "Dockerfile line 1: FROM debian:bookworm: image debian:bookworm is not in the store"
                  + " (Strata has no default registry: name one, FROM REGISTRY/REPO:TAG, to have"
                  + " the build pull it, or pull or import it first)");
      assertThatThrownBy(
              () ->
                  images.build(
                      "FROM scratch\nCOPY --from=nosuch:1 /a /a\n", List.of("x:1"), ctx, log::add))
          .isInstanceOf(NotFoundException.class)
          .hasMessageStartingWith(
              "Dockerfile line 2: COPY --from=nosuch:1: no stage of that name: image nosuch:1 is"
                  + " not in the store");
      assertThat(images.list()).as("nothing built").noneMatch(i -> i.repository().equals("x"));
    }
  }
}
