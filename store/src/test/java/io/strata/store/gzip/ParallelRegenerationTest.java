package io.strata.store.gzip;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.strata.store.deflate.DeflateCheckpoint;
import io.strata.store.deflate.GoGzipOutputStream;
import io.strata.store.digest.Digest;
import io.strata.store.error.CorruptDataException;
import io.strata.store.testing.GoGzip;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Gzip blobs regenerated in segments side by side, joined at their deflate checkpoints, against the
 * real Go compressor's bytes: every level that has checkpoints, inputs that compress well, badly
 * and not at all, and past the 16 MiB where Go renumbers its hash chains.
 */
@Timeout(value = 10, unit = TimeUnit.MINUTES)
class ParallelRegenerationTest {
  /** Small, so that each input is cut into many segments. */
  private static final long EVERY = 100_000;

  @TempDir static Path dir;
  private static final Map<String, Path> inputs = new LinkedHashMap<>();

  @BeforeAll
  static void inputs() throws IOException {
    Random r = new Random(42);
    put("text", text(r, 3 << 20));
    put("random", random(r, (1 << 20) + 777));
    put("zeros", new byte[5 << 20]);
    put("mixed", mixed(r, 3 << 20));
  }

  private static void put(String name, byte[] data) throws IOException {
    Path p = dir.resolve(name);
    Files.write(p, data);
    inputs.put(name, p);
  }

  private static byte[] text(Random r, int size) {
    String[] words = {"layer", "chunk", "digest", "usr", "lib", "share", "doc", "the", "of", "\n"};
    StringBuilder b = new StringBuilder(size + 16);
    while (b.length() < size) {
      b.append(words[r.nextInt(words.length)])
          .append(r.nextInt(50) == 0 ? r.nextInt() : "")
          .append(' ');
    }
    return b.substring(0, size).getBytes(java.nio.charset.StandardCharsets.US_ASCII);
  }

  private static byte[] random(Random r, int size) {
    byte[] b = new byte[size];
    r.nextBytes(b);
    return b;
  }

  /** Text, random stretches, zero runs, and repeats from near and far back. */
  private static byte[] mixed(Random r, int size) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(size);
    byte[] text = text(r, 1 << 20);
    while (out.size() < size) {
      int n = 1 + r.nextInt(40000);
      byte[] piece =
          switch (r.nextInt(4)) {
            case 0 -> random(r, n);
            case 1 -> new byte[n];
            default -> Arrays.copyOfRange(text, r.nextInt(text.length - n), text.length);
          };
      out.write(piece, 0, Math.min(Math.min(piece.length, n), size - out.size()));
    }
    return out.toByteArray();
  }

  /** The recipe of {@code data} at {@code level}, checkpoints every {@code every} bytes. */
  private static GzipRecipe recipe(byte[] data, int level, long every) throws IOException {
    byte[] header = GoGzipOutputStream.goHeader(level);
    List<DeflateCheckpoint> cps = new ArrayList<>();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (GoGzipOutputStream gz = new GoGzipOutputStream(out, level, header)) {
      gz.recordCheckpoints(every, cps::add);
      gz.write(data, 0, data.length);
    }
    return new GzipRecipe(GzipRecipe.Compressor.GO, level, header, out.size(), cps);
  }

  /** {@code data} as Go's gzip writes it at {@code level}, in one stream. */
  private static byte[] gzip(byte[] data, int level) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (GoGzipOutputStream gz =
        new GoGzipOutputStream(out, level, GoGzipOutputStream.goHeader(level))) {
      gz.write(data, 0, data.length);
    }
    return out.toByteArray();
  }

  private static byte[] regenerate(byte[] data, GzipRecipe recipe, Digest digest)
      throws IOException {
    try (InputStream in =
        new RegeneratedGzipInputStream(new ByteArrayInputStream(data), recipe, digest, "blob x")) {
      return in.readAllBytes();
    }
  }

  @ParameterizedTest(name = "level {0}")
  @ValueSource(ints = {4, 5, 6, 7, 8, 9})
  void segmentsJoinedAreGosBytes(int level) throws Exception {
    GoGzip.compress(level, new ArrayList<>(inputs.values()));
    for (Map.Entry<String, Path> e : inputs.entrySet()) {
      byte[] data = Files.readAllBytes(e.getValue());
      byte[] go = Files.readAllBytes(e.getValue().resolveSibling(e.getKey() + "." + level + ".gz"));
      GzipRecipe r = recipe(data, level, EVERY);
      assertThat(r.checkpoints().size())
          .as("checkpoints of %s at level %d", e.getKey(), level)
          // 5 MiB of zeros make two blocks of 16,384 longest matches
          .isGreaterThanOrEqualTo(e.getKey().equals("zeros") ? 1 : 10);
      assertThat(ParallelRegeneration.applies(r)).isTrue();
      byte[] got = regenerate(data, r, Digest.sha256(go, 0, go.length));
      assertThat(Arrays.mismatch(got, go)).as("%s at level %d", e.getKey(), level).isEqualTo(-1);
    }
  }

  @Test
  void pastGosHashRenumberingAndWithTheDefaultInterval() throws Exception {
    byte[] data = mixed(new Random(7), 18 << 20);
    Path p = dir.resolve("long");
    Files.write(p, data);
    byte[] go = Files.readAllBytes(GoGzip.gzip(p, 6));
    GzipRecipe r = recipe(data, 6, ParallelRegeneration.CHECKPOINT_EVERY);
    assertThat(r.checkpoints()).hasSizeGreaterThanOrEqualTo(8);
    assertThat(regenerate(data, r, Digest.sha256(go, 0, go.length))).isEqualTo(go);
  }

  @Test
  void withNoBudgetLeftTheRestIsOneStreamOfTheSameBytes() throws Exception {
    byte[] data = Files.readAllBytes(inputs.get("mixed"));
    GzipRecipe r = recipe(data, 6, EVERY);
    byte[] sequential = gzip(data, 6);
    int all = ParallelRegeneration.budget().drainPermits();
    try {
      assertThat(regenerate(data, r, Digest.sha256(sequential, 0, sequential.length)))
          .isEqualTo(sequential);
    } finally {
      ParallelRegeneration.budget().release(all);
    }
  }

  /** {@code c} as a damaged recipe would hold it: its block said to end one bit later. */
  private static DeflateCheckpoint oneBitLater(DeflateCheckpoint c) {
    return new DeflateCheckpoint(
        c.blockEnd(),
        c.index(),
        c.windowBase(),
        c.byteAvailable(),
        c.length(),
        c.offset(),
        c.bitPosition() + 1);
  }

  @Test
  void aWrongCheckpointFailsTheBlobNamingItNeverOtherBytes() throws Exception {
    byte[] data = Files.readAllBytes(inputs.get("text"));
    GzipRecipe good = recipe(data, 6, EVERY);
    byte[] expected = gzip(data, 6);
    Digest digest = Digest.sha256(expected, 0, expected.length);
    List<DeflateCheckpoint> cps = new ArrayList<>(good.checkpoints());
    DeflateCheckpoint c = cps.get(3);
    cps.set(3, oneBitLater(c));
    GzipRecipe bad = new GzipRecipe(good.compressor(), 6, good.header(), good.size(), cps);
    assertThatThrownBy(() -> regenerate(data, bad, digest))
        .isInstanceOf(CorruptDataException.class)
        .hasMessageStartingWith("blob x: its gzip recipe's segment 4 does not regenerate");
    cps.set(3, c);
    cps.set(
        5,
        new DeflateCheckpoint(
            cps.get(5).blockEnd() + 1,
            cps.get(5).index() + 1,
            cps.get(5).windowBase(),
            cps.get(5).byteAvailable(),
            cps.get(5).length(),
            cps.get(5).offset(),
            cps.get(5).bitPosition()));
    GzipRecipe moved = new GzipRecipe(good.compressor(), 6, good.header(), good.size(), cps);
    assertThatThrownBy(() -> regenerate(data, moved, digest))
        .isInstanceOf(CorruptDataException.class)
        .hasMessageStartingWith("blob x: ");
  }

  /** The blob from byte {@code offset} on, as a {@code Range} read regenerates it. */
  private static byte[] regenerateFrom(byte[] data, GzipRecipe recipe, Digest digest, long offset)
      throws IOException {
    try (InputStream in =
        new RegeneratedGzipInputStream(
            new ByteArrayInputStream(data), recipe, digest, "blob x", offset)) {
      return in.readAllBytes();
    }
  }

  @ParameterizedTest(name = "level {0}")
  @ValueSource(ints = {4, 6, 9})
  void aReadFromAnOffsetIsTheTailOfGosBytesAtEveryCut(int level) throws Exception {
    GoGzip.compress(level, List.of(inputs.get("mixed")));
    byte[] data = Files.readAllBytes(inputs.get("mixed"));
    byte[] go = Files.readAllBytes(inputs.get("mixed").resolveSibling("mixed." + level + ".gz"));
    Digest digest = Digest.sha256(go, 0, go.length);
    GzipRecipe r = recipe(data, level, EVERY);
    int header = r.header().length;
    List<Long> offsets = new ArrayList<>(List.of(1L, 9L, (long) go.length / 2));
    // around each of a few checkpoints' shared byte, and into the trailer
    for (int k : new int[] {0, 1, r.checkpoints().size() / 2, r.checkpoints().size() - 1}) {
      long b = header + (r.checkpoints().get(k).bitPosition() >>> 3);
      offsets.addAll(List.of(b - 1, b, b + 1, b + 2));
    }
    offsets.addAll(List.of((long) go.length - 9, (long) go.length - 8, (long) go.length - 1));
    offsets.add((long) go.length);
    for (long offset : offsets) {
      byte[] got = regenerateFrom(data, r, digest, offset);
      byte[] tail = Arrays.copyOfRange(go, (int) offset, go.length);
      assertThat(Arrays.mismatch(got, tail))
          .as("level %d from byte %d", level, offset)
          .isEqualTo(-1);
    }
  }

  @Test
  void aReadFromAnOffsetCompressesNothingBeforeItsCheckpoint() throws Exception {
    byte[] data = Files.readAllBytes(inputs.get("text"));
    GzipRecipe good = recipe(data, 6, EVERY);
    byte[] expected = gzip(data, 6);
    Digest digest = Digest.sha256(expected, 0, expected.length);
    // checkpoint 1 made wrong: segments 1 and 2 no longer regenerate
    List<DeflateCheckpoint> cps = new ArrayList<>(good.checkpoints());
    cps.set(1, oneBitLater(cps.get(1)));
    GzipRecipe bad = new GzipRecipe(good.compressor(), 6, good.header(), good.size(), cps);
    assertThatThrownBy(() -> regenerate(data, bad, digest))
        .isInstanceOf(CorruptDataException.class);
    // a read from the middle starts at a later checkpoint and never meets the wrong one
    long offset = expected.length / 2;
    assertThat(ParallelRegeneration.firstSegment(bad, offset)).isGreaterThan(3);
    assertThat(regenerateFrom(data, bad, digest, offset))
        .isEqualTo(Arrays.copyOfRange(expected, (int) offset, expected.length));
    // a read whose contents end too soon fails on its length, naming the blob
    byte[] shorter = Arrays.copyOf(data, data.length - 1000);
    assertThatThrownBy(() -> regenerateFrom(shorter, good, digest, offset))
        .isInstanceOf(CorruptDataException.class)
        .hasMessageStartingWith("blob x: ");
  }

  @Test
  void checkpointsRoundTripAndOldRecipesReadWithout() {
    byte[] data = new byte[3 << 20];
    new Random(1).nextBytes(data);
    GzipRecipe r;
    try {
      r = recipe(data, 6, 500_000);
    } catch (IOException e) {
      throw new AssertionError(e);
    }
    ByteBuffer b = ByteBuffer.allocate(r.encodedLength());
    r.encode(b);
    assertThat(b.remaining()).isZero();
    GzipRecipe back = GzipRecipe.decode(b.flip(), "test");
    assertThat(back).isEqualTo(r);
    assertThat(back.checkpoints()).hasSize(r.checkpoints().size()).isNotEmpty();

    GzipRecipe old = new GzipRecipe(GzipRecipe.Compressor.GO, 6, r.header(), r.size());
    ByteBuffer o = ByteBuffer.allocate(old.encodedLength());
    old.encode(o);
    assertThat(o.array()[0]).isEqualTo((byte) 1);
    assertThat(GzipRecipe.decode(o.flip(), "test").checkpoints()).isEmpty();
  }
}
