package io.strata.store.gzip;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.strata.store.digest.Digest;
import io.strata.store.error.CorruptDataException;
import io.strata.store.testing.DeflateInputs;
import io.strata.store.testing.GoGzip;
import io.strata.store.testing.KlauspostGzip;
import io.strata.store.testing.KlauspostGzip.Mode;
import io.strata.store.testing.Tools;
import io.strata.store.testing.UmociLayers;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Recipes of blobs the real klauspost gzip and pgzip wrote (skopeo's and umoci's compressor):
 * found, replayed, regenerated (pgzip's blocks side by side) byte for byte, and not confused with
 * each other or with Go's compress/gzip.
 */
@Timeout(value = 10, unit = TimeUnit.MINUTES)
class KlauspostRecipesTest {
  @TempDir static Path dir;
  private static Path mixed;
  private static Path small;
  private static Path exact;

  @BeforeAll
  static void inputs() throws IOException {
    Random r = new Random(7);
    mixed = dir.resolve("mixed");
    Files.write(mixed, DeflateInputs.mixed(r, (5 << 20) + 999));
    small = dir.resolve("small");
    Files.write(small, DeflateInputs.text(r, 200_000));
    exact = dir.resolve("exact");
    Files.write(exact, DeflateInputs.mixed(r, 3 << 20));
  }

  static Digest sha256(Path file) throws IOException {
    byte[] b = Files.readAllBytes(file);
    return Digest.sha256(b, 0, b.length);
  }

  /** The recipe GzipRecipes finds for {@code gz}, replayed; fails when none reproduces it. */
  static GzipRecipe find(Path gz) throws IOException {
    GzipRecipes.Source source = () -> Files.newInputStream(gz);
    byte[] header = GzipRecipes.header(source);
    assertThat(header).as("%s is gzip", gz).isNotNull();
    Iterator<GzipRecipe> candidates = GzipRecipes.candidates(source, header);
    while (candidates.hasNext()) {
      GzipRecipe c = candidates.next();
      GzipRecipes.Replayed replayed = GzipRecipes.replay(source, c, (b, off, len) -> {});
      if (replayed != null) {
        assertThat(replayed.digest()).isEqualTo(sha256(gz));
        return c.replayed(replayed);
      }
    }
    throw new AssertionError("no recipe reproduces " + gz);
  }

  /** The blob regenerated from {@code contents} by {@code recipe}, read to the end. */
  static byte[] regenerate(Path contents, GzipRecipe recipe, Digest digest) throws IOException {
    try (InputStream in =
        new RegeneratedGzipInputStream(Files.newInputStream(contents), recipe, digest, "test")) {
      return in.readAllBytes();
    }
  }

  private static void roundTrip(Path input, Mode mode, int level, GzipRecipe.Compressor expected)
      throws Exception {
    Path gz = KlauspostGzip.gzip(input, mode, level);
    GzipRecipe r = find(gz);
    assertThat(r.compressor()).as("compressor of %s", gz).isEqualTo(expected);
    assertThat(r.level()).isEqualTo(level == -1 ? 5 : level);
    assertThat(r.size()).isEqualTo(Files.size(gz));
    assertThat(r.checkpoints()).isEmpty();
    assertThat(regenerate(input, r, sha256(gz))).isEqualTo(Files.readAllBytes(gz));
    ByteBuffer b = ByteBuffer.allocate(r.encodedLength());
    r.encode(b);
    assertThat(GzipRecipe.decode(b.flip(), "test")).isEqualTo(r);
  }

  @Test
  void pgzipDefaultIsFoundAndRegenerated() throws Exception {
    roundTrip(mixed, Mode.PGZIP, -1, GzipRecipe.Compressor.PGZIP);
    roundTrip(small, Mode.PGZIP, -1, GzipRecipe.Compressor.PGZIP);
    // a multiple of the block size: pgzip closes with an empty block
    roundTrip(exact, Mode.PGZIP, -1, GzipRecipe.Compressor.PGZIP);
  }

  @Test
  void pgzipOtherLevels() throws Exception {
    for (int level : new int[] {1, 3, 6, 9}) {
      roundTrip(mixed, Mode.PGZIP, level, GzipRecipe.Compressor.PGZIP);
    }
  }

  @Test
  void pgzipWith256KiBBlocksIsFoundAndRegenerated() throws Exception {
    roundTrip(mixed, Mode.PGZIP_256K, -1, GzipRecipe.Compressor.PGZIP_256K);
    // a multiple of 256 KiB: closed with an empty block
    roundTrip(exact, Mode.PGZIP_256K, -1, GzipRecipe.Compressor.PGZIP_256K);
    for (int level : new int[] {1, 6, 9}) {
      roundTrip(mixed, Mode.PGZIP_256K, level, GzipRecipe.Compressor.PGZIP_256K);
    }
    // one block: the same bytes as pgzip's default, whose recipe is tried first
    roundTrip(small, Mode.PGZIP_256K, -1, GzipRecipe.Compressor.PGZIP);
  }

  /**
   * A layer the real umoci wrote (Debian's 0.4.7: pgzip 1.2.5, 256 KiB blocks): reproduced by a
   * recipe and regenerated byte for byte, its blocks side by side.
   */
  @Test
  void aLayerUmociWroteIsReproduced() throws Exception {
    Tools.require("umoci");
    Path layer = UmociLayers.layer(dir.resolve("umoci"), new Random(11));
    GzipRecipe r = find(layer);
    assertThat(r.compressor()).isEqualTo(GzipRecipe.Compressor.PGZIP_256K);
    assertThat(r.level()).isEqualTo(5);
    Path contents = dir.resolve("umoci-layer.tar");
    try (InputStream in = new GZIPInputStream(Files.newInputStream(layer))) {
      Files.copy(in, contents);
    }
    assertThat(regenerate(contents, r, sha256(layer))).isEqualTo(Files.readAllBytes(layer));
  }

  @Test
  void klauspostGzipIsNotTakenForPgzip() throws Exception {
    roundTrip(mixed, Mode.GZIP, -1, GzipRecipe.Compressor.KLAUSPOST);
    roundTrip(small, Mode.GZIP, -1, GzipRecipe.Compressor.KLAUSPOST);
    for (int level : new int[] {1, 2, 4, 6, 7, 8, 0, -2}) {
      roundTrip(mixed, Mode.GZIP, level, GzipRecipe.Compressor.KLAUSPOST);
    }
  }

  @Test
  void goGzipStillFoundFirst() throws Exception {
    Path gz = GoGzip.gzip(mixed, 6);
    GzipRecipe r = find(gz);
    assertThat(r.compressor()).isEqualTo(GzipRecipe.Compressor.GO);
    assertThat(r.level()).isEqualTo(6);
  }

  @Test
  void klauspostHeadersAreTriedWithKlauspostFirst() {
    byte[] header = io.strata.store.deflate.klauspost.KlauspostGzipOutputStream.header(5);
    List<GzipRecipe> trials = GzipRecipes.trials(header);
    assertThat(trials.get(0).compressor()).isEqualTo(GzipRecipe.Compressor.PGZIP);
    assertThat(trials.get(0).level()).isEqualTo(5);
    assertThat(trials.get(1).compressor()).isEqualTo(GzipRecipe.Compressor.PGZIP_256K);
    assertThat(trials.get(1).level()).isEqualTo(5);
    assertThat(trials.get(2).compressor()).isEqualTo(GzipRecipe.Compressor.KLAUSPOST);
    assertThat(RegenerationStats.origin(header)).isEqualTo(RegenerationStats.KLAUSPOST_FAMILY);
    byte[] go = io.strata.store.deflate.GoGzipOutputStream.goHeader(6);
    assertThat(GzipRecipes.trials(go).get(0).compressor()).isEqualTo(GzipRecipe.Compressor.GO);
    // XFL 4 is written by level 1 only: no other klauspost level is tried
    List<Integer> levels = new ArrayList<>();
    GzipRecipes.trials(io.strata.store.deflate.klauspost.KlauspostGzipOutputStream.header(1))
        .stream()
        .filter(t -> t.compressor() != GzipRecipe.Compressor.GO)
        .forEach(t -> levels.add(t.level()));
    assertThat(levels).containsOnly(1);
  }

  @Test
  void pgzipRegenerationRefusesOtherContents() throws Exception {
    Path gz = KlauspostGzip.gzip(small, Mode.PGZIP, -1);
    GzipRecipe r = find(gz);
    byte[] other = Files.readAllBytes(small);
    other[100_000] ^= 1;
    assertThatThrownBy(
            () -> {
              try (InputStream in =
                  new RegeneratedGzipInputStream(
                      new ByteArrayInputStream(other), r, sha256(gz), "blob x")) {
                in.readAllBytes();
              }
            })
        .isInstanceOf(CorruptDataException.class)
        .hasMessageContaining("blob x")
        .hasMessageContaining("pgzip-1.2.5/klauspost-1.15:5");
  }

  @Test
  void pgzipBlocksAreCompressedOnTheReadingThreadWhenTheBudgetIsTaken() throws Exception {
    Path gz = KlauspostGzip.gzip(mixed, Mode.PGZIP, -1);
    GzipRecipe r = find(gz);
    java.util.concurrent.Semaphore budget = ParallelRegeneration.budget();
    int all = budget.drainPermits();
    try {
      assertThat(regenerate(mixed, r, sha256(gz))).isEqualTo(Files.readAllBytes(gz));
    } finally {
      budget.release(all);
    }
  }

  @Test
  void klauspostRecipesWithCheckpointsAreRefused() {
    GzipRecipe r =
        new GzipRecipe(
            GzipRecipe.Compressor.KLAUSPOST,
            5,
            io.strata.store.deflate.klauspost.KlauspostGzipOutputStream.header(5),
            100);
    ByteBuffer b = ByteBuffer.allocate(r.encodedLength());
    r.encode(b);
    b.put(0, (byte) (b.get(0) | 0x80));
    assertThatThrownBy(() -> GzipRecipe.decode(b.flip(), "blob z"))
        .isInstanceOf(CorruptDataException.class)
        .hasMessageContaining("blob z")
        .hasMessageContaining("checkpoints");
  }

  @Test
  void recipesOfUnknownLevelsAreRefused() {
    GzipRecipe r =
        new GzipRecipe(
            GzipRecipe.Compressor.PGZIP,
            5,
            io.strata.store.deflate.klauspost.KlauspostGzipOutputStream.header(5),
            100);
    ByteBuffer b = ByteBuffer.allocate(r.encodedLength());
    r.encode(b);
    b.put(1, (byte) 12);
    assertThatThrownBy(() -> GzipRecipe.decode(b.flip(), "blob y"))
        .isInstanceOf(CorruptDataException.class)
        .hasMessageContaining("blob y");
  }
}
