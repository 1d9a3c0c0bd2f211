package io.strata.store.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.strata.store.error.CorruptDataException;
import io.strata.store.image.archive.ExportFormat;
import io.strata.store.testing.PackDamage;
import io.strata.store.testing.TestData;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * An import of a layer the store holds with a chunk known damaged reads the layer's bytes instead
 * of reusing the damaged layer, which mends it, rather than leaving a new image damaged from the
 * start (docs/ADVERSARIAL.md, S3).
 */
@Timeout(120)
class ImportDamagedLayerTest {
  @TempDir Path dir;

  private ImageFixture fix;

  @AfterEach
  void close() throws IOException {
    fix.close();
  }

  private void export(String image) throws IOException {
    fix.images().export(image, ExportFormat.DOCKER_ARCHIVE, OutputStream.nullOutputStream());
  }

  @Test
  void importingAnImageAgainMendsItsDamagedLayerInsteadOfReusingIt() throws IOException {
    // random: stored as it is, so that its bytes are found in the pack
    byte[] content = TestData.random(3, 400_000);
    byte[] layer = new TarBuilder().dir("opt", 0755).raw("opt/data", content).bytes();
    Path archive = DockerArchive.write(dir.resolve("saved"), "one:1", List.of("one"), layer);
    Path store = dir.resolve("store");
    fix = new ImageFixture(store);
    fix.images().importPath(archive.toString(), "a:1");
    fix.close();
    PackDamage.flipIn(store, content);
    fix = new ImageFixture(store);
    assertThatThrownBy(() -> export("a:1"))
        .as("the damage is found, and so known")
        .isInstanceOf(CorruptDataException.class);

    fix.images().importPath(archive.toString(), "b:1");

    ByteArrayOutputStream again = new ByteArrayOutputStream();
    fix.images().export("b:1", ExportFormat.DOCKER_ARCHIVE, again);
    assertThat(again.size()).as("the new image reads whole").isGreaterThan(content.length);
    export("a:1"); // the old image shares the layer: mended too
  }
}
