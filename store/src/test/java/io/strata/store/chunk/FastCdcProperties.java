package io.strata.store.chunk;

import static org.assertj.core.api.Assertions.assertThat;

import io.strata.store.testing.TestData;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;

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

  @Property(tries = 30)
  void deterministicWhateverThePieceSizes(
      @ForAll @LongRange(min = 1, max = 1000) long seed,
      @ForAll @IntRange(min = 1, max = 1 << 20) int piece) {
    byte[] data = TestData.random(seed, 3 << 20);
    assertThat(chunks(data, piece)).isEqualTo(chunks(data, data.length));
  }

  @Property(tries = 30)
  void readingFromAStreamCutsAsPushingDoes(
      @ForAll @LongRange(min = 1, max = 1000) long seed,
      @ForAll @IntRange(min = 0, max = 3 << 20) int size,
      @ForAll @IntRange(min = 1, max = 1 << 20) int piece)
      throws IOException {
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

  @Property(tries = 30)
  void sizesStayWithinMinAndMax(
      @ForAll @LongRange(min = 1, max = 1000) long seed,
      @ForAll @IntRange(min = 0, max = 4 << 20) int size,
      @ForAll boolean text) {
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

  @Property(tries = 12)
  void anInsertionLeavesNinetyPercentOfChunksUnchanged(
      @ForAll @LongRange(min = 1, max = 1000) long seed,
      @ForAll @IntRange(min = 0, max = (32 << 20) - 1) int at,
      @ForAll @IntRange(min = 1, max = 100) int inserted) {
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

  @Property(tries = 5)
  void averageChunkSizeIsNearTheTarget(@ForAll @LongRange(min = 1, max = 1000) long seed) {
    byte[] data = TestData.random(seed, 16 << 20);
    List<Integer> lengths = chunks(data, data.length);
    double mean = data.length / (double) lengths.size();
    // Normalized chunking: the mean lands between the target and min + target.
    assertThat(mean).isBetween(PARAMS.avg() * 0.75, (double) PARAMS.min() + PARAMS.avg() * 1.25);
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
