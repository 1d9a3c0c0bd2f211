package io.strata.store.gzip;

import static org.assertj.core.api.Assertions.assertThat;

import io.strata.store.testing.GoGzip;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A blob whose content starts incompressible: every Go level writes that start as stored blocks, so
 * the prefix of every level matches and the two full replays went to the levels tried first; Go's
 * level 0 was never found (docs/ADVERSARIAL.md, AO5). After a failed replay the next candidates
 * must match a long prefix.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class AmbiguousPrefixTest {
  @TempDir Path dir;

  @Test
  void goLevelZeroOfContentStartingIncompressibleIsFound() throws Exception {
    Random r = new Random(5);
    byte[] content = new byte[200_000 + 300_000 + 1_000];
    byte[] noise = new byte[200_000];
    r.nextBytes(noise);
    System.arraycopy(noise, 0, content, 0, noise.length);
    byte[] tail = new byte[1_000];
    r.nextBytes(tail);
    System.arraycopy(tail, 0, content, 500_000, tail.length);
    Path input = dir.resolve("mixedC");
    Files.write(input, content);
    for (int level : new int[] {0, 1, 6, 9}) {
      Path gz = GoGzip.gzip(input, level);
      GzipRecipe recipe = KlauspostRecipesTest.find(gz);
      assertThat(recipe.compressor()).as("level %d", level).isEqualTo(GzipRecipe.Compressor.GO);
      assertThat(recipe.level()).as("level %d", level).isEqualTo(level);
      assertThat(KlauspostRecipesTest.regenerate(input, recipe, KlauspostRecipesTest.sha256(gz)))
          .isEqualTo(Files.readAllBytes(gz));
    }
  }
}
