package io.strata.store.transfer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.strata.store.compress.Compression;
import io.strata.store.digest.Digest;
import io.strata.store.error.CorruptDataException;
import io.strata.store.error.InvalidArgumentException;
import io.strata.store.testing.Gen;
import io.strata.store.testing.Property;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

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
    return new TransferPlan(
        "records:131072",
        r.nextBoolean() ? "" : "app:" + seed,
        config,
        layers,
        r.nextBoolean() ? arrived(r, layers.size()) : null);
  }

  private static final String[] FORMS = {"tar", "gzip", "zstd", "blob"};

  /** A manifest of {@code layers} layer blobs of every form (not checked here: bytes only). */
  private static TransferPlan.Arrived arrived(Random r, int layers) {
    byte[] manifest = new byte[1 + r.nextInt(200)];
    r.nextBytes(manifest);
    List<TransferPlan.LayerBlob> blobs = new ArrayList<>();
    for (int i = 0; i < layers; i++) {
      String form = FORMS[r.nextInt(FORMS.length)];
      byte[] recipe = new byte[form.equals("gzip") || form.equals("zstd") ? r.nextInt(90) : 0];
      r.nextBytes(recipe);
      blobs.add(
          new TransferPlan.LayerBlob(
              digest(r).toString(),
              "application/vnd.oci.image.layer.v1.tar+" + form,
              r.nextInt(1 << 30),
              form,
              java.util.Base64.getEncoder().encodeToString(recipe),
              form.equals("blob") ? pieces(r, 1 + r.nextInt(3)) : List.of()));
    }
    return new TransferPlan.Arrived(manifest, "application/vnd.oci.image.manifest.v1+json", blobs);
  }

  @Test
  void plansReadBackWhatWasWritten() {
    Property.forAll(
        200,
        Gen.longs(0, 1_000_000),
        seed -> {
          TransferPlan p = plan(seed);
          TransferPlan back = TransferPlan.decode(new ByteArrayInputStream(p.encode()), "plan");
          assertThat(back.cut()).isEqualTo(p.cut());
          assertThat(back.name()).isEqualTo(p.name());
          assertThat(back.config()).isEqualTo(p.config());
          assertThat(back.layers()).isEqualTo(p.layers());
          if (p.arrived() == null) {
            assertThat(back.arrived()).isNull();
          } else {
            assertThat(back.arrived().manifest()).isEqualTo(p.arrived().manifest());
            assertThat(back.arrived().type()).isEqualTo(p.arrived().type());
            assertThat(back.arrived().blobs()).isEqualTo(p.arrived().blobs());
            assertThat(back.chunks()).containsAllEntriesOf(p.chunks());
          }
          assertThat(back.encode()).isEqualTo(p.encode());
          assertThat(back.id()).isEqualTo(p.id());
        });
  }

  /** Every flipped byte and every cut, wherever it falls, is refused naming the peer. */
  @Test
  void aDamagedPlanIsRefusedWithItsName() {
    Property.forAll(
        300,
        Gen.longs(0, 1_000_000),
        Gen.ints(0, 100_000),
        Gen.ints(1, 255),
        Gen.booleans(),
        (seed, where, flip, cut) -> {
          byte[] b = plan(seed).encode();
          int at = where % b.length;
          byte[] damaged = cut ? Arrays.copyOf(b, at) : b.clone();
          if (!cut) {
            damaged[at] ^= (byte) (int) flip;
          }
          assertThatThrownBy(
                  () -> TransferPlan.decode(new ByteArrayInputStream(damaged), "plan from host x"))
              .isInstanceOf(InvalidArgumentException.class)
              .hasMessageStartingWith("plan from host x: ");
        });
  }

  /** Exhaustively, for a few plans: each byte flipped, each length cut. */
  @Test
  void noFlippedByteOrCutOfAPlanGoesUnnoticed() throws IOException {
    for (long seed : new long[] {0, 1, 2, 3}) {
      byte[] b = plan(seed).encode();
      for (int at = 0; at < b.length; at++) {
        byte[] flipped = b.clone();
        flipped[at] ^= (byte) (1 << (at % 8));
        assertRefused(flipped, "byte " + at + " of " + b.length + " flipped");
        assertRefused(Arrays.copyOf(b, at), "cut at " + at + " of " + b.length);
      }
    }
  }

  private static void assertRefused(byte[] damaged, String what) {
    assertThatThrownBy(
            () -> TransferPlan.decode(new ByteArrayInputStream(damaged), "plan from host x"))
        .as(what)
        .isInstanceOf(InvalidArgumentException.class)
        .hasMessageStartingWith("plan from host x: ");
  }

  /**
   * A plan without a manifest is written as version 2, byte for byte what releases before version 3
   * write and read; one with a manifest as version 3.
   */
  @Test
  void onlyAPlanWithAManifestIsWrittenAsVersion3() {
    for (long seed = 0; seed < 40; seed++) {
      TransferPlan p = plan(seed);
      assertThat((char) p.encode()[7]).isEqualTo(p.arrived() == null ? '2' : '3');
    }
  }

  @Test
  void aPlanOfTheFormerVersionIsRefusedAsSuch() throws IOException {
    byte[] b = plan(5).encode();
    b[7] = '1';
    assertThatThrownBy(() -> TransferPlan.decode(new ByteArrayInputStream(b), "plan from host x"))
        .isInstanceOf(InvalidArgumentException.class)
        .hasMessageContaining("version 1");
  }

  @Test
  void chunkRecordsDeliverOnlyChunksThatMatchTheirDigests() {
    Property.forAll(
        100,
        Gen.longs(0, 1_000_000),
        Gen.ints(0, 1_000_000),
        Gen.booleans(),
        TransferFormatProperties::recordsDeliverOnlyMatchingChunks);
  }

  private static void recordsDeliverOnlyMatchingChunks(long seed, int where, boolean cut)
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
    byte[] damaged = cut ? Arrays.copyOf(b, at) : b.clone();
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

  @Test
  void aRecordNobodyAskedForIsRefused() {
    Property.forAll(50, Gen.longs(0, 1000), TransferFormatProperties::anUnaskedRecordIsRefused);
  }

  private static void anUnaskedRecordIsRefused(long seed) {
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
