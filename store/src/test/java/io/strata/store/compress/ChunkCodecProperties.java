package io.strata.store.compress;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.strata.store.error.CorruptDataException;
import io.strata.store.testing.Gen;
import io.strata.store.testing.Property;
import io.strata.store.testing.TestData;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class ChunkCodecProperties {
  private static final String[] CODECS = {"zstd:1", "zstd:3", "zstd:19", "lz4", "none"};

  @Test
  void everyCodecRoundTrips() {
    Property.forAll(
        200,
        Gen.ints(0, CODECS.length - 1),
        Gen.longs(0, 1 << 20),
        Gen.ints(0, 300_000),
        Gen.booleans(),
        ChunkCodecProperties::roundTrips);
  }

  private static void roundTrips(int which, long seed, int size, boolean text) {
    ChunkCodec codec = new ChunkCodec(Compression.parse(CODECS[which]));
    byte[] raw = text ? TestData.text(seed, size) : TestData.random(seed, size);
    byte[] enc = new byte[ChunkCodec.maxEncodedLength(size) + 5];
    ChunkCodec.Encoded e = codec.encode(raw, 0, size, enc, 5);
    assertThat(e.length()).isLessThanOrEqualTo(size);
    byte[] back = new byte[size + 3];
    ChunkCodec.decode(e.codec(), enc, 5, e.length(), back, 3, size, "test");
    assertThat(Arrays.copyOfRange(back, 3, size + 3)).isEqualTo(raw);
  }

  @Test
  void incompressibleChunksAreStoredRaw() {
    byte[] raw = TestData.random(1, 65_536);
    byte[] enc = new byte[ChunkCodec.maxEncodedLength(raw.length)];
    ChunkCodec.Encoded e = new ChunkCodec(Compression.DEFAULT).encode(raw, 0, raw.length, enc, 0);
    assertThat(e.codec()).isEqualTo(Codec.NONE);
    assertThat(e.length()).isEqualTo(raw.length);
  }

  @Test
  void textShrinks() {
    byte[] raw = TestData.text(1, 65_536);
    byte[] enc = new byte[ChunkCodec.maxEncodedLength(raw.length)];
    for (String c : new String[] {"zstd:3", "lz4"}) {
      ChunkCodec.Encoded e =
          new ChunkCodec(Compression.parse(c)).encode(raw, 0, raw.length, enc, 0);
      assertThat(e.length()).isLessThan(raw.length / 2);
    }
  }

  @Test
  void damagedInputNeverDecodesSilentlyToTheWrongLength() {
    Property.forAll(
        100, Gen.ints(0, 1), Gen.longs(0, 1000), ChunkCodecProperties::aTruncatedChunkIsRefused);
  }

  private static void aTruncatedChunkIsRefused(int which, long seed) {
    byte[] raw = TestData.text(seed, 65_536);
    ChunkCodec codec = new ChunkCodec(Compression.parse(which == 0 ? "zstd:3" : "lz4"));
    byte[] enc = new byte[ChunkCodec.maxEncodedLength(raw.length)];
    ChunkCodec.Encoded e = codec.encode(raw, 0, raw.length, enc, 0);
    byte[] back = new byte[raw.length];
    // Truncated input must fail: the decoder cannot produce the promised length.
    assertThatThrownBy(
            () -> ChunkCodec.decode(e.codec(), enc, 0, e.length() / 2, back, 0, raw.length, "t"))
        .isInstanceOf(CorruptDataException.class);
  }

  @Test
  void compressionSpecsParse() {
    // 19 levels: all of them, edge cases and 50 random picks.
    Property.forAll(
        50,
        Gen.ints(1, 19),
        level -> {
          assertThat(Compression.parse("zstd:" + level).level()).isEqualTo(level);
          assertThat(Compression.parse("zstd:" + level).toString()).isEqualTo("zstd:" + level);
        });
    for (int level = 1; level <= 19; level++) {
      assertThat(Compression.parse("zstd:" + level).level()).isEqualTo(level);
    }
  }

  @Test
  void badSpecsAreRefused() {
    Property.forAll(
        50,
        Gen.strings(0, 8),
        junk ->
            assertThatThrownBy(() -> Compression.parse("x" + junk))
                .isInstanceOf(io.strata.store.error.InvalidArgumentException.class));
  }
}
