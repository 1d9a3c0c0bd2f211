package io.strata.store.transfer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.strata.store.compress.Compression;
import io.strata.store.digest.Digest;
import io.strata.store.error.CorruptDataException;
import io.strata.store.error.InvalidArgumentException;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;

/**
 * The three formats a peer sends (plans, chunk lists, chunk records) read back what was written,
 * and any damage — a cut, a flipped byte — is refused with a clear error, never another exception
 * and never a chunk whose bytes do not match its digest.
 */
class TransferFormatProperties {
  private static Digest digest(Random r) {
    byte[] d = new byte[Digest.LENGTH];
    r.nextBytes(d);
    return Digest.of(d);
  }

  private static List<ChunkPiece> pieces(Random r, int n) {
    List<ChunkPiece> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      out.add(new ChunkPiece(digest(r), 1 + r.nextInt(1 << 20)));
    }
    return out;
  }

  private static TransferPlan plan(long seed) {
    Random r = new Random(seed);
    List<TransferPlan.Layer> layers = new ArrayList<>();
    for (int l = r.nextInt(4); l > 0; l--) {
      List<List<ChunkPiece>> files = new ArrayList<>();
      for (int f = r.nextInt(6); f > 0; f--) {
        files.add(pieces(r, r.nextInt(4)));
      }
      layers.add(
          new TransferPlan.Layer(
              digest(r), r.nextInt(1 << 30), pieces(r, 1 + r.nextInt(3)), files));
    }
    byte[] config = new byte[r.nextInt(300)];
    r.nextBytes(config);
    return new TransferPlan("records:131072", r.nextBoolean() ? "" : "app:" + seed, config, layers);
  }

  @Property(tries = 200)
  void plansReadBackWhatWasWritten(@ForAll @LongRange(min = 0, max = 1_000_000) long seed)
      throws IOException {
    TransferPlan p = plan(seed);
    TransferPlan back = TransferPlan.decode(new ByteArrayInputStream(p.encode()), "plan");
    assertThat(back.encode()).isEqualTo(p.encode());
    assertThat(back.layers()).isEqualTo(p.layers());
    assertThat(back.id()).isEqualTo(p.id());
  }

  @Property(tries = 300)
  void aDamagedPlanIsRefusedWithItsNameOrReadsAsSomeValidPlan(
      @ForAll @LongRange(min = 0, max = 1_000_000) long seed,
      @ForAll @IntRange(min = 0, max = 100_000) int where,
      @ForAll boolean cut)
      throws IOException {
    byte[] b = plan(seed).encode();
    int at = where % b.length;
    byte[] damaged = cut ? java.util.Arrays.copyOf(b, at) : b.clone();
    if (!cut) {
      damaged[at] ^= (byte) (1 + seed % 255);
    }
    try {
      TransferPlan.decode(new ByteArrayInputStream(damaged), "plan from host x");
    } catch (InvalidArgumentException e) {
      assertThat(e.getMessage()).startsWith("plan from host x");
    }
  }

  @Property(tries = 100)
  void chunkRecordsDeliverOnlyChunksThatMatchTheirDigests(
      @ForAll @LongRange(min = 0, max = 1_000_000) long seed,
      @ForAll @IntRange(min = 0, max = 1_000_000) int where,
      @ForAll boolean cut)
      throws IOException {
    Random r = new Random(seed);
    Map<Digest, Integer> wanted = new HashMap<>();
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    ChunkRecords.Writer w = new ChunkRecords.Writer(bytes, Compression.parse("zstd:3"));
    for (int i = 0; i < 1 + r.nextInt(5); i++) {
      byte[] chunk = new byte[1 + r.nextInt(20_000)];
      for (int j = 0; j < chunk.length; j++) {
        chunk[j] = (byte) (r.nextInt(4) == 0 ? r.nextInt() : 'a' + j % 7);
      }
      Digest d = Digest.sha256(chunk, 0, chunk.length);
      wanted.put(d, chunk.length);
      w.write(d, chunk, 0, chunk.length);
    }
    w.flush();
    byte[] b = bytes.toByteArray();
    int at = where % b.length;
    byte[] damaged = cut ? java.util.Arrays.copyOf(b, at) : b.clone();
    if (!cut) {
      damaged[at] ^= (byte) (1 + seed % 255);
    }
    List<Digest> delivered = new ArrayList<>();
    try {
      ChunkRecords.read(
          new ByteArrayInputStream(damaged),
          wanted,
          "host x",
          (d, codec, enc, len, raw) -> {
            byte[] out = new byte[raw];
            io.strata.store.compress.ChunkCodec.decode(codec, enc, 0, len, out, 0, raw, "test");
            assertThat(Digest.sha256(out, 0, raw)).isEqualTo(d);
            delivered.add(d);
          });
      // A cut between records reads as fewer records, which the receiver then still lacks.
      assertThat(cut || delivered.size() == wanted.size()).isTrue();
    } catch (InvalidArgumentException | CorruptDataException e) {
      assertThat(e.getMessage()).contains("host x");
    }
    assertThat(wanted.keySet()).containsAll(delivered);
  }

  @Property(tries = 50)
  void aRecordNobodyAskedForIsRefused(@ForAll @LongRange(min = 0, max = 1000) long seed) {
    Random r = new Random(seed);
    byte[] chunk = new byte[1 + r.nextInt(5000)];
    r.nextBytes(chunk);
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    Digest d = Digest.sha256(chunk, 0, chunk.length);
    assertThatThrownBy(
            () -> {
              ChunkRecords.Writer w = new ChunkRecords.Writer(bytes, Compression.parse("lz4"));
              w.write(d, chunk, 0, chunk.length);
              w.flush();
              ChunkRecords.read(
                  new ByteArrayInputStream(bytes.toByteArray()),
                  Map.of(),
                  "host x",
                  (a, b, c, e, f) -> {});
            })
        .isInstanceOf(InvalidArgumentException.class)
        .hasMessageContaining("never asked for");
  }
}
