package io.strata.store.engine;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.strata.store.compress.ChunkCodec;
import io.strata.store.compress.Compression;
import io.strata.store.error.CorruptDataException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The decode that checks every compressed chunk and group before it is stored: a compressor whose
 * output does not decode, or decodes to other bytes, is caught and named, so that nothing it
 * produced reaches a pack (FORMAT.md, "Verification").
 */
@Timeout(value = 1, unit = TimeUnit.MINUTES)
class VerifyEncodingTest {
  private static final int AT = 7; // the frame's place in its record

  private static byte[] original() {
    return "every line the same, every line the same\n"
        .repeat(400)
        .getBytes(StandardCharsets.UTF_8);
  }

  private static ChunkCodec.Encoded encode(ChunkCodec codec, byte[] raw, byte[] rec) {
    return codec.encode(raw, 0, raw.length, rec, AT);
  }

  @Test
  void aRoundTripThatGivesTheBytesBackPasses() {
    for (String c : new String[] {"zstd:3", "lz4"}) {
      byte[] raw = original();
      byte[] rec = new byte[AT + ChunkCodec.maxEncodedLength(raw.length)];
      ChunkCodec.Encoded enc = encode(new ChunkCodec(Compression.parse(c)), raw, rec);
      assertThatCode(
              () ->
                  ChunkWriter.verifyEncoding(
                      enc, rec, AT, raw, 0, raw.length, null, "chunk ", () -> "sha256:ab"))
          .as(c)
          .doesNotThrowAnyException();
    }
  }

  @Test
  void outputThatDecodesToOtherBytesIsNotStored() {
    byte[] raw = original();
    byte[] rec = new byte[AT + ChunkCodec.maxEncodedLength(raw.length)];
    ChunkCodec.Encoded enc = encode(new ChunkCodec(Compression.DEFAULT), raw, rec);
    raw[1000] ^= 1; // as if the compressor had read other bytes than it was given
    assertThatThrownBy(
            () ->
                ChunkWriter.verifyEncoding(
                    enc, rec, AT, raw, 0, raw.length, null, "chunk ", () -> "sha256:ab"))
        .isInstanceOf(CorruptDataException.class)
        .hasMessage("chunk sha256:ab: ZSTD round trip changed the bytes; not stored")
        .extracting(e -> ((CorruptDataException) e).resource())
        .isEqualTo("sha256:ab");
  }

  @Test
  void outputThatDoesNotDecodeIsNotStored() {
    byte[] raw = original();
    byte[] rec = new byte[AT + ChunkCodec.maxEncodedLength(raw.length)];
    ChunkCodec.Encoded enc = encode(new ChunkCodec(Compression.DEFAULT), raw, rec);
    for (int i = AT + 4; i < AT + enc.length(); i++) {
      rec[i] = (byte) 0xA5; // a frame header, then garbage
    }
    assertThatThrownBy(
            () ->
                ChunkWriter.verifyEncoding(
                    enc, rec, AT, raw, 0, raw.length, null, "", () -> "the group of chunk X"))
        .isInstanceOf(CorruptDataException.class)
        .hasMessageStartingWith("the group of chunk X: ZSTD output does not decode; not stored");
  }
}
