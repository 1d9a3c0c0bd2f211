package io.strata.store.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.strata.store.Engine;
import io.strata.store.digest.Digest;
import io.strata.store.engine.ChunkStore;
import io.strata.store.error.CorruptDataException;
import io.strata.store.pack.PackFormat;
import io.strata.store.pack.PackSet;
import io.strata.store.testing.TestData;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A blob whose chunks are known damaged counts as missing wherever the registry would otherwise
 * skip its bytes (docs/ADVERSARIAL.md, S3): a HEAD answers unknown and a mount is refused, so that
 * the client uploads it, and the upload stores the bytes again, which mends the blob for every
 * repository that links it.
 */
@Timeout(120)
class RegistryDamagedBlobTest {
  private static final String A = "acc/a";
  private static final String B = "acc/b";

  @TempDir Path dir;

  private final byte[] blob = TestData.random(7, 300_000);
  private final Digest digest = Digest.sha256(blob, 0, blob.length);

  private Engine open() throws IOException {
    return Engine.open(dir.resolve("data"), null, ChunkStore.Options.defaults());
  }

  private static RegistryStore registry(Engine e) {
    return new RegistryStore(e.chunks(), e.blobs());
  }

  /** Pushes the blob to repository A, damages its first chunk, and makes a read find it. */
  @BeforeEach
  void pushAndDamage() throws IOException {
    try (Engine e = open()) {
      registry(e).putBlob(A, digest, new ByteArrayInputStream(blob));
    }
    Path packs = dir.resolve("data/chunks/packs");
    List<Integer> ids = PackSet.listIds(packs);
    assertThat(ids).hasSize(1);
    flipByte(packs.resolve(PackFormat.fileName(ids.get(0))), 24 + PackFormat.RECORD_HEADER + 10);
    try (Engine e = open()) {
      assertThatThrownBy(() -> registry(e).openBlob(digest, 0, -1).readAllBytes())
          .isInstanceOf(CorruptDataException.class);
    }
  }

  private static void flipByte(Path file, long at) throws IOException {
    try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
      f.seek(at);
      int b = f.read();
      f.seek(at);
      f.write(b ^ 0xFF);
    }
  }

  private byte[] read(RegistryStore r) throws IOException {
    try (var in = r.openBlob(digest, 0, -1)) {
      return in.readAllBytes();
    }
  }

  @Test
  void aDamagedBlobIsUnknownToAHeadAndAMountSoThePushUploadsIt() throws IOException {
    try (Engine e = open()) {
      RegistryStore r = registry(e);
      assertThat(r.hasBlob(A, digest)).as("still linked: a DELETE can take it").isTrue();
      assertThat(r.hasIntactBlob(A, digest)).as("a HEAD answers unknown").isFalse();
      assertThat(r.mount(B, digest, A)).as("a mount is refused").isFalse();
      assertThat(r.hasBlob(B, digest)).isFalse();
    }
  }

  @Test
  void pushingADamagedBlobsBytesToAnotherRepositoryMendsIt() throws IOException {
    try (Engine e = open()) {
      RegistryStore r = registry(e);
      r.putBlob(B, digest, new ByteArrayInputStream(blob));
      assertThat(read(r)).as("the push stored the bytes again").isEqualTo(blob);
      assertThat(r.hasIntactBlob(A, digest)).isTrue();
      assertThat(r.hasIntactBlob(B, digest)).isTrue();
    }
  }

  @Test
  void anUploadSpooledToAFileMendsADamagedBlob() throws IOException {
    Path spool = Files.write(dir.resolve("spool"), blob);
    try (Engine e = open()) {
      RegistryStore r = registry(e);
      r.putBlobFile(B, digest, spool);
      assertThat(read(r)).isEqualTo(blob);
      assertThat(r.hasIntactBlob(A, digest)).isTrue();
      e.gc();
      assertThat(e.fsck().damaged()).as("gc took the damaged record").isEmpty();
    }
  }
}
