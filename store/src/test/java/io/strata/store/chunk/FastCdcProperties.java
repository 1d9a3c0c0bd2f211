package io.strata.store.chunk;

import static org.assertj.core.api.Assertions.assertThat;

import io.strata.store.testing.Gen;
import io.strata.store.testing.Property;
import io.strata.store.testing.TestData;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class FastCdcProperties {
  private static final ChunkerParams PARAMS = ChunkerParams.DEFAULT;

  /** Chunk lengths of {@code data}, pushed into a splitter in pieces of {@code piece} bytes. */
  static List<Integer> chunks(byte[] data, int piece) {
    List<Integer> lengths = new ArrayList<>();
    ChunkSplitter s = new ChunkSplitter(new FastCdc(PARAMS), (b, off, len) -> lengths.add(len));
    for (int i = 0; i < data.length; i += piece) {
      s.write(data, i, Math.min(piece, data.length - i));
    }
    s.finish();
    return lengths;
  }

  @Test
  void deterministicWhateverThePieceSizes() {
    Property.forAll(
        30,
        Gen.longs(1, 1000),
        Gen.ints(1, 1 << 20),
        FastCdcProperties::samePiecesWhateverThePiece);
  }

  private static void samePiecesWhateverThePiece(long seed, int piece) {
    byte[] data = TestData.random(seed, 3 << 20);
    assertThat(chunks(data, piece)).isEqualTo(chunks(data, data.length));
  }

  @Test
  void readingFromAStreamCutsAsPushingDoes() {
    Property.forAll(
        30,
        Gen.longs(1, 1000),
        Gen.ints(0, 3 << 20),
        Gen.ints(1, 1 << 20),
        FastCdcProperties::streamCutsAsPushing);
  }

  private static void streamCutsAsPushing(long seed, int size, int piece) throws IOException {
    byte[] data = TestData.random(seed, size);
    List<Integer> lengths = new ArrayList<>();
    ByteArrayOutputStream seen = new ByteArrayOutputStream();
    ChunkSplitter s = new ChunkSplitter(new FastCdc(PARAMS), (b, off, len) -> lengths.add(len));
    // A stream that hands out at most `piece` bytes per read, as sockets and pipes do.
    InputStream in =
        new ByteArrayInputStream(data) {
          @Override
          public synchronized int read(byte[] b, int off, int len) {
            return super.read(b, off, Math.min(len, piece));
          }
        };
    while (s.readFrom(in, seen::write) >= 0) {
      assertThat(s.total()).isEqualTo(seen.size());
    }
    s.finish();
    assertThat(seen.toByteArray()).isEqualTo(data);
    assertThat(lengths).isEqualTo(chunks(data, data.length));
  }

  @Test
  void sizesStayWithinMinAndMax() {
    Property.forAll(
        30,
        Gen.longs(1, 1000),
        Gen.ints(0, 4 << 20),
        Gen.booleans(),
        FastCdcProperties::withinMinAndMax);
  }

  private static void withinMinAndMax(long seed, int size, boolean text) {
    byte[] data = text ? TestData.text(seed, size) : TestData.random(seed, size);
    List<Integer> lengths = chunks(data, 1 << 16);
    assertThat(lengths.stream().mapToLong(Integer::longValue).sum()).isEqualTo(size);
    for (int i = 0; i < lengths.size(); i++) {
      assertThat(lengths.get(i)).isLessThanOrEqualTo(PARAMS.max());
      if (i < lengths.size() - 1) {
        assertThat(lengths.get(i)).isGreaterThanOrEqualTo(PARAMS.min());
      }
    }
  }

  @Test
  void anInsertionLeavesNinetyPercentOfChunksUnchanged() {
    Property.forAll(
        12,
        Gen.longs(1, 1000),
        Gen.ints(0, (32 << 20) - 1),
        Gen.ints(1, 100),
        FastCdcProperties::insertionKeepsNinetyPercent);
  }

  private static void insertionKeepsNinetyPercent(long seed, int at, int inserted) {
    byte[] data = TestData.random(seed, 32 << 20);
    byte[] edited = new byte[data.length + inserted];
    System.arraycopy(data, 0, edited, 0, at);
    System.arraycopy(TestData.random(seed + 1, inserted), 0, edited, at, inserted);
    System.arraycopy(data, at, edited, at + inserted, data.length - at);
    List<String> before = chunkDigests(data);
    Set<String> after = new HashSet<>(chunkDigests(edited));
    long kept = before.stream().filter(after::contains).count();
    assertThat(kept).isGreaterThanOrEqualTo((long) Math.ceil(0.9 * before.size()));
  }

  @Test
  void averageChunkSizeIsNearTheTarget() {
    Property.forAll(
        5,
        Gen.longs(1, 1000),
        seed -> {
          byte[] data = TestData.random(seed, 16 << 20);
          List<Integer> lengths = chunks(data, data.length);
          double mean = data.length / (double) lengths.size();
          // Normalized chunking: the mean lands between the target and min + target.
          assertThat(mean)
              .isBetween(PARAMS.avg() * 0.75, (double) PARAMS.min() + PARAMS.avg() * 1.25);
        });
  }

  private static List<String> chunkDigests(byte[] data) {
    List<String> out = new ArrayList<>();
    ChunkSplitter s =
        new ChunkSplitter(
            new FastCdc(PARAMS),
            (b, off, len) -> out.add(io.strata.store.digest.Digest.sha256(b, off, len).hex()));
    s.write(data, 0, data.length);
    s.finish();
    return out;
  }
}
