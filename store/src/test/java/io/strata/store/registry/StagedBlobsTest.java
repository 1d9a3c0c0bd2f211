package io.strata.store.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.strata.store.Engine;
import io.strata.store.blob.BlobEntry;
import io.strata.store.compress.Compression;
import io.strata.store.digest.Digest;
import io.strata.store.engine.ChunkStore;
import io.strata.store.engine.FsckReport;
import io.strata.store.engine.WriteSession;
import io.strata.store.error.ConflictException;
import io.strata.store.error.InvalidArgumentException;
import io.strata.store.ref.RootChange;
import io.strata.store.testing.GoGzip;
import io.strata.store.testing.TestData;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Gzip layers staged at their push: present to every read of the registry while only a file, stored
 * as a recipe by {@link RegistryStore#storeStaged} with the links moved to its chunks, read without
 * a gap across that switch, found again after a restart, and checked by fsck.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class StagedBlobsTest {
  private static final String REPO = "acc/app";

  @TempDir Path dir;

  private Engine open() throws IOException {
    return Engine.open(
        dir.resolve("data"),
        null,
        ChunkStore.Options.defaults().withCompression(Compression.parse("zstd:3")));
  }

  private static RegistryStore registry(Engine e) {
    return new RegistryStore(e.chunks(), e.blobs(), e.registryStaged());
  }

  /** A Go-gzipped layer of text and random bytes (a recipe reproduces it), as an upload spool. */
  private Path spool(String name) throws Exception {
    byte[] a = TestData.text(3, 2 << 20);
    byte[] b = TestData.random(4, 1 << 20);
    byte[] all = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, all, a.length, b.length);
    Path raw = dir.resolve(name + ".tar");
    Files.write(raw, all);
    Path gz = GoGzip.gzip(raw, 6);
    Path spool = dir.resolve(name + ".spool");
    Files.move(gz, spool);
    return spool;
  }

  private static Digest sha(byte[] b) {
    return Digest.sha256(b, 0, b.length);
  }

  private static byte[] read(RegistryStore r, Digest d, long offset, long length)
      throws IOException {
    try (InputStream in = r.openBlob(d, offset, length)) {
      return in.readAllBytes();
    }
  }

  private static boolean inChunkStore(Engine e, Digest d) {
    return e.blobs().list().stream().map(BlobEntry::digest).anyMatch(d::equals);
  }

  @Test
  void aStagedLayerIsPresentToEveryReadThenStoredAsARecipeWithItsLinksMoved() throws Exception {
    Path spool = spool("layer");
    byte[] bytes = Files.readAllBytes(spool);
    Digest d = sha(bytes);
    try (Engine e = open()) {
      RegistryStore r = registry(e);
      assertThat(r.putBlobFileStaged(REPO, d, spool)).isTrue();
      // the upload deletes its spool: the staged hard link is the blob
      Files.delete(spool);
      assertThat(r.isStaged(d)).isTrue();
      assertThat(inChunkStore(e, d)).as("nothing in the chunk store yet").isFalse();
      assertThat(e.info().registryStagedBytes()).isEqualTo(bytes.length);
      assertThat(r.hasBlob(REPO, d)).isTrue();
      assertThat(r.hasBlob("acc/other", d)).isFalse();
      assertThat(r.blobSize(d)).isEqualTo(bytes.length);
      assertThat(read(r, d, 0, -1)).isEqualTo(bytes);
      assertThat(read(r, d, 1000, 5000)).isEqualTo(Arrays.copyOfRange(bytes, 1000, 6000));
      assertThatThrownBy(() -> r.openBlob(d, bytes.length + 1, 1))
          .isInstanceOf(InvalidArgumentException.class)
          .hasMessageContaining(d.toString());
      assertThat(r.gzipRecipe(d)).isNull();
      assertThat(r.openUncompressed(d)).isNull();
      assertThat(r.mount("acc/other", d, REPO)).isTrue();
      assertThat(r.hasBlob("acc/other", d)).isTrue();
      // a manifest naming the staged layer is accepted
      byte[] config = "{\"os\":\"linux\"}".getBytes(StandardCharsets.UTF_8);
      Digest c = sha(config);
      r.putBlob(REPO, c, new ByteArrayInputStream(config));
      byte[] manifest =
          ("{\"schemaVersion\":2,\"mediaType\":\""
                  + ManifestDocument.OCI_MANIFEST
                  + "\",\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\","
                  + "\"digest\":\""
                  + c
                  + "\",\"size\":"
                  + config.length
                  + "},\"layers\":[{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar+gzip\","
                  + "\"digest\":\""
                  + d
                  + "\",\"size\":"
                  + bytes.length
                  + "}]}")
              .getBytes(StandardCharsets.UTF_8);
      r.putManifest(REPO, "1", manifest, ManifestDocument.OCI_MANIFEST);
      assertThat(e.fsck().damaged()).isEmpty();

      assertThat(r.storeStaged(d)).isTrue();
      assertThat(r.isStaged(d)).isFalse();
      assertThat(e.info().registryStagedBytes()).isZero();
      assertThat(inChunkStore(e, d)).isTrue();
      assertThat(r.gzipRecipe(d)).as("kept as a recipe").isNotNull();
      var blobChunks = e.chunks().root("blob/" + d.hex()).chunks();
      for (String repo : List.of(REPO, "acc/other")) {
        assertThat(e.chunks().root(RegistryStore.LINK + repo + "@" + d.hex()).chunks())
            .as("%s's link holds the blob's chunks", repo)
            .isEqualTo(blobChunks);
      }
      // a blob rm is refused while repositories link the blob
      assertThatThrownBy(() -> e.blobs().remove(d))
          .isInstanceOf(ConflictException.class)
          .hasMessageContaining(REPO);
      // the links keep the chunks even without the blob's own name (what a blob rm before the
      // refusal left)
      try (WriteSession s = e.chunks().session()) {
        s.commit(List.of(new RootChange.Remove("blob/" + d.hex())));
      }
      e.gc();
      assertThat(e.chunks().root(RegistryStore.LINK + REPO + "@" + d.hex()).chunks())
          .isEqualTo(blobChunks);
      assertThat(r.storeStaged(d)).as("nothing staged any more").isFalse();
      assertThat(e.fsck().damaged()).isEmpty();
    }
  }

  @Test
  void readsDuringTheJobsSwitchAlwaysGetTheBlob() throws Exception {
    Path spool = spool("switch");
    byte[] bytes = Files.readAllBytes(spool);
    Digest d = sha(bytes);
    try (Engine e = open()) {
      RegistryStore r = registry(e);
      r.putBlobFileStaged(REPO, d, spool);
      // a stream opened on the staged file before the job deletes it reads to its end after
      InputStream early = r.openBlob(d, 0, -1);
      AtomicBoolean done = new AtomicBoolean();
      AtomicInteger reads = new AtomicInteger();
      ConcurrentLinkedQueue<Throwable> failures = new ConcurrentLinkedQueue<>();
      Thread reader =
          new Thread(
              () -> {
                // until a few reads went through after the switch
                int after = 0;
                while (after < 3) {
                  try {
                    if (done.get()) {
                      after++;
                    }
                    assertThat(r.hasBlob(REPO, d)).isTrue();
                    assertThat(r.blobSize(d)).isEqualTo(bytes.length);
                    assertThat(read(r, d, 0, -1)).isEqualTo(bytes);
                    assertThat(read(r, d, 4096, 100))
                        .isEqualTo(Arrays.copyOfRange(bytes, 4096, 4196));
                    reads.incrementAndGet();
                  } catch (Throwable t) {
                    failures.add(t);
                    return;
                  }
                }
              });
      reader.start();
      while (reads.get() == 0 && failures.isEmpty()) {
        Thread.sleep(5);
      }
      assertThat(r.storeStaged(d)).isTrue();
      done.set(true);
      reader.join(60_000);
      assertThat(failures).isEmpty();
      assertThat(r.isStaged(d)).isFalse();
      try (early) {
        assertThat(early.readAllBytes()).isEqualTo(bytes);
      }
    }
  }

  @Test
  void aStagedLayerOutlivesARestartAndIsStoredAfterIt() throws Exception {
    Path spool = spool("restart");
    byte[] bytes = Files.readAllBytes(spool);
    Digest d = sha(bytes);
    try (Engine e = open()) {
      registry(e).putBlobFileStaged(REPO, d, spool);
    }
    Files.delete(spool);
    try (Engine e = open()) {
      RegistryStore r = registry(e);
      assertThat(e.registryStaged().list()).containsExactly(d);
      assertThat(r.hasBlob(REPO, d)).isTrue();
      assertThat(read(r, d, 0, -1)).isEqualTo(bytes);
      assertThat(r.storeStaged(d)).isTrue();
    }
    try (Engine e = open()) {
      RegistryStore r = registry(e);
      assertThat(e.registryStaged().list()).isEmpty();
      assertThat(r.gzipRecipe(d)).isNotNull();
      assertThat(read(r, d, 0, -1)).isEqualTo(bytes);
    }
  }

  @Test
  void fsckNamesADamagedStagedFileItsJobLeavesTheStoreUnchangedAndAPushMendsIt() throws Exception {
    Path spool = spool("damaged");
    byte[] bytes = Files.readAllBytes(spool);
    Digest d = sha(bytes);
    try (Engine e = open()) {
      RegistryStore r = registry(e);
      r.putBlobFileStaged(REPO, d, spool);
      Files.delete(spool);
      assertThat(e.fsck().clean()).isTrue();
      Path file = e.registryStaged().file(d);
      byte[] damaged = bytes.clone();
      damaged[damaged.length / 2] ^= 0x40;
      Files.write(file, damaged);

      FsckReport report = e.fsck();
      assertThat(report.damaged()).hasSize(1);
      FsckReport.Damage damage = report.damaged().get(0);
      assertThat(damage.chunk()).contains("staged blob " + d);
      assertThat(damage.problem()).contains("damaged");
      assertThat(damage.usedBy()).containsExactly(RegistryStore.LINK + REPO + "@" + d.hex());

      long chunksBefore = e.info().chunks();
      assertThatThrownBy(() -> r.storeStaged(d))
          .isInstanceOf(InvalidArgumentException.class)
          .hasMessageContaining(d.toString());
      assertThat(inChunkStore(e, d)).isFalse();
      assertThat(r.isStaged(d)).as("the file stays, for fsck to name").isTrue();
      e.gc();
      assertThat(e.info().chunks()).isEqualTo(chunksBefore);

      // the same layer pushed again replaces the damaged file, and its job then stores it
      Path again = dir.resolve("damaged.again");
      Files.write(again, bytes);
      r.putBlobFileStaged(REPO, d, again);
      assertThat(e.fsck().damaged()).isEmpty();
      assertThat(r.storeStaged(d)).isTrue();
      assertThat(read(r, d, 0, -1)).isEqualTo(bytes);
    }
  }

  @Test
  void aTaggedPushRecordsItsImportUntilItRan() throws Exception {
    try (Engine e = open()) {
      RegistryStore r = registry(e);
      byte[] config = "{}".getBytes(StandardCharsets.UTF_8);
      Digest c = sha(config);
      r.putBlob(REPO, c, new ByteArrayInputStream(config));
      byte[] manifest =
          ("{\"schemaVersion\":2,\"mediaType\":\""
                  + ManifestDocument.OCI_MANIFEST
                  + "\",\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\","
                  + "\"digest\":\""
                  + c
                  + "\",\"size\":2},\"layers\":[]}")
              .getBytes(StandardCharsets.UTF_8);
      Descriptor m = r.putManifest(REPO, "1", manifest, ManifestDocument.OCI_MANIFEST, true);
      r.putManifest(REPO, "2", manifest, ManifestDocument.OCI_MANIFEST);
      assertThat(r.pendingImports())
          .containsExactly(new RegistryStore.PendingImport(REPO, "1", m.digest()));
      r.importDone(REPO, "1", c); // another manifest's import: this one stays pending
      assertThat(r.pendingImports()).hasSize(1);
      r.importDone(REPO, "1", m.digest());
      assertThat(r.pendingImports()).isEmpty();
    }
  }
}
