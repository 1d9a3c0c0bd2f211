package io.strata.store.compress;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.strata.store.error.CorruptDataException;
import io.strata.store.testing.TestData;
import java.util.Arrays;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;
import net.jqwik.api.constraints.StringLength;
import org.junit.jupiter.api.Test;

class ChunkCodecProperties {
  private static final String[] CODECS = {"zstd:1", "zstd:3", "zstd:19", "lz4", "none"};

  @Property(tries = 200)
  void everyCodecRoundTrips(
      @ForAll @IntRange(min = 0, max = 4) int which,
      @ForAll @LongRange(min = 0, max = 1 << 20) long seed,
      @ForAll @IntRange(min = 0, max = 300_000) int size,
      @ForAll boolean text) {
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

  @Property(tries = 100)
  void damagedInputNeverDecodesSilentlyToTheWrongLength(
      @ForAll @IntRange(min = 0, max = 1) int which,
      @ForAll @LongRange(min = 0, max = 1000) long seed) {
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

  @Property(tries = 50)
  void compressionSpecsParse(@ForAll @IntRange(min = 1, max = 19) int level) {
    assertThat(Compression.parse("zstd:" + level).level()).isEqualTo(level);
    assertThat(Compression.parse("zstd:" + level).toString()).isEqualTo("zstd:" + level);
  }

  @Property(tries = 50)
  void badSpecsAreRefused(@ForAll @StringLength(min = 0, max = 8) String junk) {
    String spec = "x" + junk;
    assertThatThrownBy(() -> Compression.parse(spec))
        .isInstanceOf(io.strata.store.error.InvalidArgumentException.class);
  }
}
