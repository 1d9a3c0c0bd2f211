package io.strata.store.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.strata.store.error.ConflictException;
import io.strata.store.error.InvalidArgumentException;
import io.strata.store.error.NotFoundException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * docker's {@code rmi [-f]}: by id only an image with one repository's single tag unless forced, a
 * digest reference alone when the image has other names, never an image a container uses; names
 * spelled like ids are refused; {@code Created} of images without a time in their config.
 */
@Timeout(60)
class ImageRemovalTest {
  @TempDir Path dir;
  ImageFixture fix;
  ImageStore images;
  String id;

  @BeforeEach
  void open() throws IOException {
    fix = new ImageFixture(dir.resolve("store"));
    images = fix.images();
    Path tree = Files.createDirectories(dir.resolve("tree/etc"));
    Files.writeString(tree.resolve("motd"), "hand\n");
    id = images.importPath(dir.resolve("tree").toString(), "hand:1").images().get(0).id();
  }

  @AfterEach
  void close() throws IOException {
    fix.close();
  }

  private List<String> tags() {
    return images.list().stream().map(s -> s.repository() + ":" + s.tag()).toList();
  }

  @Test
  void anIdOfAnImageInTwoRepositoriesIsRefusedUnlessForced() throws IOException {
    images.tag("hand:1", "team1/hand:prod");
    for (String ref : List.of(id, id.substring(0, 19), id.substring(7, 19))) {
      assertThatThrownBy(() -> images.remove(ref, id -> false))
          .isInstanceOf(ConflictException.class)
          .hasMessage(
              "conflict: unable to delete "
                  + id.substring(7, 19)
                  + " (must be forced) - image is referenced in multiple repositories");
    }
    assertThat(tags()).containsExactlyInAnyOrder("hand:1", "team1/hand:prod");
    assertThat(images.remove(id.substring(0, 19), true, i -> false))
        .containsExactly("Untagged: hand:1", "Untagged: team1/hand:prod", "Deleted: " + id);
    assertThat(tags()).isEmpty();
  }

  @Test
  void anIdOfAnImageWithOneTagRemovesItAndTwoTagsOfOneRepositoryNeedForceAsInDocker()
      throws IOException {
    images.tag("hand:1", "hand:2");
    // moby's isSingleReference: at most one tag, whatever the repositories
    assertThatThrownBy(() -> images.remove(id, id -> false))
        .isInstanceOf(ConflictException.class)
        .hasMessageContaining("(must be forced)");
    assertThat(images.remove("hand:2", i -> false)).containsExactly("Untagged: hand:2");
    assertThat(images.remove(id, i -> false)).containsExactly("Untagged: hand:1", "Deleted: " + id);
  }

  @Test
  void anImageAContainerUsesIsRefusedEvenForcedAndKeepsItsTags() throws IOException {
    images.tag("hand:1", "team1/hand:prod");
    assertThatThrownBy(() -> images.remove(id, true, i -> true))
        .isInstanceOf(ConflictException.class)
        .hasMessageContaining("is used by a container")
        .hasMessageContaining("not even -f");
    assertThat(tags()).containsExactlyInAnyOrder("hand:1", "team1/hand:prod");
    // a tag of an image with others goes, used or not, as in docker
    assertThat(images.remove("team1/hand:prod", true, i -> true))
        .containsExactly("Untagged: team1/hand:prod");
  }

  @Test
  void aRefusalForAContainerNamesEachContainerAsPsShowsIt() throws IOException {
    List<String> users = List.of("container api (0b7d3f2a9c1e)", "container web (3f2a9c1e0b7d)");
    assertThatThrownBy(() -> images.removeNamingUsers("hand:1", true, i -> users))
        .isInstanceOf(ConflictException.class)
        .hasMessage(
            "image hand:1 is used by container api (0b7d3f2a9c1e), container web (3f2a9c1e0b7d);"
                + " remove them first (not even -f removes an image a container uses)");
    assertThat(tags()).containsExactly("hand:1");
  }

  @Test
  void aDigestReferenceOfAnImageWithOtherNamesRemovesOnlyThatReference() throws IOException {
    Path oci = dir.resolve("oci");
    images.exportLayout("hand:1", oci);
    String pulled = "reg/x@sha256:" + "9".repeat(64);
    String other = "reg/y@sha256:" + "8".repeat(64);
    images.importPath(oci.toString(), "app:1", pulled);
    images.importPath(oci.toString(), null, other);
    assertThat(images.inspect(id).repoDigests()).contains(pulled, other);
    String derived =
        images.inspect(id).repoDigests().stream()
            .filter(r -> r.startsWith("app@"))
            .findFirst()
            .orElseThrow();

    assertThat(images.remove(pulled, i -> false)).containsExactly("Untagged: " + pulled);
    assertThat(images.inspect(id).repoDigests()).doesNotContain(pulled).contains(other);
    assertThat(images.remove(derived, i -> false)).containsExactly("Untagged: " + derived);
    assertThat(tags()).containsExactlyInAnyOrder("hand:1", "app:1");
    // two repositories' tags and a digest of a third: by id it takes -f
    assertThatThrownBy(() -> images.remove(id, i -> false)).isInstanceOf(ConflictException.class);
    images.remove("hand:1", i -> false);
    images.remove("app:1", i -> false);
    assertThat(images.resolve(id)).isEqualTo(id); // a dangling image, named by its digest only
  }

  @Test
  void theLastReferenceByDigestRemovesTheImage() throws IOException {
    Path oci = dir.resolve("oci");
    images.exportLayout("hand:1", oci);
    String only = "reg/y@sha256:" + "8".repeat(64);
    images.importPath(oci.toString(), null, only);
    // docker: a digest of another repository still names the image, so the tag goes alone
    assertThat(images.remove("hand:1", i -> false)).containsExactly("Untagged: hand:1");
    assertThat(tags()).containsExactly("<none>:<none>");
    assertThat(images.remove(only, i -> false))
        .containsExactly("Untagged: " + only, "Deleted: " + id);
    assertThatThrownBy(() -> images.resolve(id)).isInstanceOf(NotFoundException.class);
  }

  @Test
  void aTagSpelledLikeAnIdIsRefusedAndAShortIdAlwaysNamesTheImage() throws IOException {
    Path other = Files.createDirectories(dir.resolve("other"));
    Files.writeString(other.resolve("x"), "x");
    images.importPath(other.toString(), "fut:1");
    String prefix = id.substring(0, 19);
    assertThatThrownBy(() -> images.tag("fut:1", prefix))
        .isInstanceOf(InvalidArgumentException.class)
        .hasMessageContaining("refusing to create an ambiguous tag using digest algorithm as name");
    assertThatThrownBy(() -> images.tag("fut:1", id.substring(7)))
        .isInstanceOf(InvalidArgumentException.class)
        .hasMessageContaining("64-byte hexadecimal");
    assertThatThrownBy(() -> images.importPath(other.toString(), "sha256:abcd"))
        .isInstanceOf(InvalidArgumentException.class);
    assertThat(images.resolve(prefix)).isEqualTo(id);
    assertThat(tags()).containsExactlyInAnyOrder("hand:1", "fut:1");
  }

  @Test
  void anImageWithoutATimeInItsConfigIsCreatedWhenRecordedAndKeepsItsId() throws IOException {
    ImageDetails first = images.inspect("hand:1");
    assertThat(Instant.parse(first.created())).isBeforeOrEqualTo(Instant.now());
    assertThat(first.config()).doesNotContain("\"created\"");
    // the same tree again: the same id, the same record and time
    String again = images.importPath(dir.resolve("tree").toString(), "hand:2").images().get(0).id();
    assertThat(again).isEqualTo(id);
    assertThat(images.inspect("hand:2").created()).isEqualTo(first.created());
  }
}
