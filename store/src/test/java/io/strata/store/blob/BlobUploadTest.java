package io.strata.store.blob;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.strata.store.Engine;
import io.strata.store.compress.Compression;
import io.strata.store.digest.Digest;
import io.strata.store.engine.ChunkStore;
import io.strata.store.engine.StopSignal;
import io.strata.store.error.CorruptDataException;
import io.strata.store.pack.PackFormat;
import io.strata.store.pack.PackSet;
import io.strata.store.testing.GoGzip;
import io.strata.store.testing.TestData;
import java.io.IOException;
import java.io.InputStream;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code strata blob put}'s way in ({@link BlobUpload}): a gzip blob is stored as a registry push
 * stores it, its contents and a recipe (adversarial finding AO2), and a put of a blob held already
 * writes nothing (AO3); any other blob streams in as before.
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class BlobUploadTest {
  @TempDir Path dir;

  private Engine open() throws IOException {
    return Engine.open(
        dir.resolve("data"),
        null,
        ChunkStore.Options.defaults().withCompression(Compression.parse("zstd:3")));
  }

  private Path tmp() {
    return dir.resolve("data").resolve("tmp");
  }

  /** 2 MiB of text, then 1 MiB of random bytes, gzipped by Go at level 6. */
  private Path goGzip() throws Exception {
    byte[] text = TestData.text(1, 2 << 20);
    byte[] random = TestData.random(2, 1 << 20);
    byte[] all = Arrays.copyOf(text, text.length + random.length);
    System.arraycopy(random, 0, all, text.length, random.length);
    Path raw = dir.resolve("contents.tar");
    Files.write(raw, all);
    return GoGzip.gzip(raw, 6);
  }

  /**
   * Puts {@code blob} as the server's blob put does, in pieces of the sizes given, then the rest.
   */
  private PutResult upload(Engine e, byte[] blob, int... pieces) throws IOException {
    try (BlobUpload u = e.blobs().upload(tmp())) {
      int at = 0;
      for (int n : pieces) {
        u.write(blob, at, n);
        at += n;
      }
      u.write(blob, at, blob.length - at);
      return u.commit();
    }
  }

  private long packBytes() throws IOException {
    try (Stream<Path> files = Files.walk(dir.resolve("data").resolve("chunks"))) {
      return files
          .filter(p -> p.getFileName().toString().endsWith(".pack"))
          .mapToLong(p -> p.toFile().length())
          .sum();
    }
  }

  private static byte[] read(Engine e, Digest d) throws IOException {
    try (InputStream in = e.blobs().open(d, 0, -1)) {
      return in.readAllBytes();
    }
  }

  private void tmpIsEmpty() throws IOException {
    try (Stream<Path> left = Files.list(tmp())) {
      assertThat(left.toList()).as("spools left").isEmpty();
    }
  }

  @Test
  void aGzipBlobIsKeptAsItsContentsAndARecipe() throws Exception {
    Path gz = goGzip();
    byte[] blob = Files.readAllBytes(gz);
    Digest d = Digest.sha256(blob, 0, blob.length);
    try (Engine e = open()) {
      // its first bytes arrive one by one: the gzip header is recognised across pieces
      PutResult put = upload(e, blob, 1, 1, 5, 65_536);
      assertThat(put.digest()).isEqualTo(d);
      assertThat(put.size()).isEqualTo(blob.length);
      assertThat(e.blobs().gzipRecipe(d)).as("kept as a recipe").isNotNull();
      assertThat(read(e, d)).isEqualTo(blob);
      // its chunks are its contents': put as they are, they add nothing
      try (InputStream raw = Files.newInputStream(dir.resolve("contents.tar"))) {
        assertThat(e.blobs().put(raw).newChunks()).isZero();
      }
      tmpIsEmpty();
    }
  }

  @Test
  void aSecondPutOfAGzipBlobWritesNothing() throws Exception {
    byte[] blob = Files.readAllBytes(goGzip());
    Digest d = Digest.sha256(blob, 0, blob.length);
    try (Engine e = open()) {
      upload(e, blob);
      long packs = packBytes();
      PutResult again = upload(e, blob);
      assertThat(again.digest()).isEqualTo(d);
      assertThat(again.size()).isEqualTo(blob.length);
      assertThat(again.newChunks()).isZero();
      assertThat(packBytes()).isEqualTo(packs);
      assertThat(read(e, d)).isEqualTo(blob);
      tmpIsEmpty();
    }
  }

  @Test
  void aGzipBlobHeldWholeIsNotWrittenAgainInTheOtherForm() throws Exception {
    Path gz = goGzip();
    byte[] blob = Files.readAllBytes(gz);
    Digest d = Digest.sha256(blob, 0, blob.length);
    try (Engine e = open()) {
      // as an earlier release's blob put, or a layer an image keeps whole, left it
      e.blobs().putWhole(gz, d);
      long packs = packBytes();
      assertThat(upload(e, blob).newChunks()).isZero();
      assertThat(packBytes()).as("no chunk of its contents written").isEqualTo(packs);
      assertThat(e.blobs().gzipRecipe(d)).as("the root is left as it was").isNull();
      assertThat(read(e, d)).isEqualTo(blob);
    }
  }

  @Test
  void aGzipBlobHeldWholeWithADamagedChunkIsMendedInItsForm() throws Exception {
    Path gz = goGzip();
    byte[] blob = Files.readAllBytes(gz);
    Digest d = Digest.sha256(blob, 0, blob.length);
    try (Engine e = open()) {
      e.blobs().putWhole(gz, d);
    }
    // a byte of the first record's stored bytes: a chunk of the blob is damaged
    Path packs = dir.resolve("data").resolve("chunks").resolve("packs");
    Path pack = packs.resolve(PackFormat.fileName(PackSet.listIds(packs).get(0)));
    try (RandomAccessFile f = new RandomAccessFile(pack.toFile(), "rw")) {
      long at = 24 + PackFormat.RECORD_HEADER + 10;
      f.seek(at);
      int b = f.read();
      f.seek(at);
      f.write(b ^ 0xFF);
    }
    try (Engine e = open()) {
      assertThatThrownBy(() -> read(e, d)).isInstanceOf(CorruptDataException.class);
      upload(e, blob);
      // stored again whole, the form its root names: the damaged chunk is written anew
      assertThat(e.blobs().gzipRecipe(d)).isNull();
      assertThat(read(e, d)).isEqualTo(blob);
    }
  }

  @Test
  void aUsersPutOfABlobTheRegistryKeepsAsARecipeWritesNothingAndKeepsIt() throws Exception {
    Path gz = goGzip();
    byte[] blob = Files.readAllBytes(gz);
    Digest d = Digest.sha256(blob, 0, blob.length);
    try (Engine e = open()) {
      // what the registry's recipe job stores for a pushed gzip layer
      e.blobs().putFile(gz, d, BlobService.Owner.REGISTRY, new StopSignal());
      assertThat(e.chunks().root(BlobService.registryMark(d))).isNotNull();
      long packs = packBytes();
      assertThat(upload(e, blob).newChunks()).isZero();
      assertThat(packBytes()).isEqualTo(packs);
      // the user's put keeps it until blob rm, as a put that stored it would
      assertThat(e.chunks().root(BlobService.registryMark(d))).isNull();
      assertThat(e.blobs().gzipRecipe(d)).isNotNull();
    }
  }

  @Test
  void blobsThatAreNotGzipStreamInWhole() throws Exception {
    try (Engine e = open()) {
      for (byte[] blob :
          new byte[][] {
            {}, {0x1f}, {0x1f, (byte) 0x8b}, {0x1f, (byte) 0x8b, 7, 0}, TestData.text(3, 300_000)
          }) {
        Digest d = Digest.sha256(blob, 0, blob.length);
        PutResult put = upload(e, blob);
        assertThat(put.digest()).isEqualTo(d);
        assertThat(put.size()).isEqualTo(blob.length);
        assertThat(e.blobs().gzipRecipe(d)).isNull();
        assertThat(read(e, d)).isEqualTo(blob);
      }
      tmpIsEmpty();
    }
  }

  @Test
  void aCancelledGzipPutStoresNothingAndDeletesItsSpool() throws Exception {
    byte[] blob = Files.readAllBytes(goGzip());
    try (Engine e = open()) {
      try (BlobUpload u = e.blobs().upload(tmp())) {
        u.write(blob, 0, blob.length);
        u.cancel("the client cancelled");
        assertThatThrownBy(u::commit)
            .isInstanceOf(StopSignal.Stopped.class)
            .hasMessageContaining("the client cancelled");
      }
      assertThat(e.blobs().list()).isEmpty();
      tmpIsEmpty();
    }
  }
}
