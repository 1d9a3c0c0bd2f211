package io.strata.server.op;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.strata.store.error.ConflictException;
import io.strata.store.image.ImageFixture;
import io.strata.store.image.ImageStore;
import io.strata.store.image.ImageSummary;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * An image a build pulled cannot be removed (so gc cannot take its chunks) until every build that
 * pinned it has ended, and the refusal says why; an image no build holds is asked about as before.
 */
@Timeout(60)
class BuildPinsTest {
  @TempDir Path dir;

  @Test
  void aPinnedImageIsNotRemovedUntilItsLastPinCloses() throws IOException {
    try (ImageFixture fix = new ImageFixture(dir.resolve("store"))) {
      ImageStore images = fix.images();
      Path tree = Files.createDirectories(dir.resolve("tree/etc"));
      Files.writeString(tree.resolve("f"), "pulled\n");
      String id =
          images
              .importPath(tree.getParent().toString(), "localhost:5000/base:1")
              .images()
              .get(0)
              .id();
      BuildPins pins = new BuildPins();
      ImageUse use = pins.guarding(i -> List.of());

      BuildPins.Pin first = pins.pin(id);
      BuildPins.Pin second = pins.pin(id);
      assertThatThrownBy(() -> images.remove("localhost:5000/base:1", use::inUse))
          .isInstanceOf(ConflictException.class)
          .hasMessage(
              "image "
                  + id
                  + " is being read by a build in progress; remove it once the build ends");
      first.close();
      first.close(); // twice is once
      assertThat(pins.pinned(id)).as("the other build still reads it").isTrue();
      assertThatThrownBy(() -> images.remove("localhost:5000/base:1", use::inUse))
          .isInstanceOf(ConflictException.class);
      assertThat(images.list()).extracting(ImageSummary::id).contains(id);

      second.close();
      assertThat(pins.pinned(id)).isFalse();
      assertThat(images.remove("localhost:5000/base:1", use::inUse)).contains("Deleted: " + id);
      assertThat(images.list()).extracting(ImageSummary::id).doesNotContain(id);
    }
  }

  @Test
  void anImageNoBuildHoldsIsAskedAboutAsBefore() throws IOException {
    try (ImageFixture fix = new ImageFixture(dir.resolve("store"))) {
      ImageStore images = fix.images();
      Path tree = Files.createDirectories(dir.resolve("tree"));
      Files.writeString(tree.resolve("f"), "x\n");
      images.importPath(tree.toString(), "used:1");
      BuildPins pins = new BuildPins();
      pins.pin("sha256:" + "0".repeat(64)).close();
      ImageUse containerUses = pins.guarding(i -> List.of("container web (3f2a9c1e0b7d)"));
      assertThatThrownBy(() -> images.removeNamingUsers("used:1", false, containerUses::users))
          .isInstanceOf(ConflictException.class)
          .hasMessageContaining("used by container web (3f2a9c1e0b7d)");
    }
  }
}
