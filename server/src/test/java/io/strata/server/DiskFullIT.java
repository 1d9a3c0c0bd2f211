package io.strata.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.strata.client.StrataClient;
import io.strata.client.StrataClientException;
import io.strata.client.TransferListener;
import io.strata.protocol.HostPort;
import io.strata.protocol.Status;
import io.strata.protocol.message.CreateArgs;
import io.strata.protocol.message.ImportArgs;
import io.strata.protocol.message.WriteArgs;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real stratad on a real full disk (a 64 MiB tmpfs): every write path answers STORAGE_FULL, what
 * was acknowledged reads back, fsck works, removes and gc free space, and the server starts again
 * on a disk filled to the last byte. Mounting needs root, as CI runs; elsewhere the test says so.
 */
class DiskFullIT {
  private static final int MB = 1 << 20;

  @TempDir Path dir;

  @Test
  @Timeout(value = 5, unit = TimeUnit.MINUTES)
  void aFullDiskIsStorageFullOnEveryWritePathAndTheStoreGetsOutOfIt() throws Exception {
    SmallDisk.run(
        dir,
        small -> {
          Path data = small.resolve("data");
          Map<String, byte[]> acked = new LinkedHashMap<>();
          try (StratadProcess s =
                  StratadProcess.launch(dir.resolve("logs"), "--data", data.toString());
              StrataClient c = connect(s)) {
            byte[] layer = Tars.of(Map.of("etc/hello", "hello\n".getBytes()));
            c.importImage(
                new ImportArgs("base:1", null, "base.tar"), out -> out.write(layer), none());
            c.createContainer(new CreateArgs("base:1", "victim", List.of(), List.of()));
            StrataClientException full = null;
            for (int i = 0; i < 40 && full == null; i++) {
              byte[] b = TestData.random(100 + i, 4 * MB);
              try {
                String digest =
                    c.put(new ByteArrayInputStream(b), (long) b.length, none()).digest();
                acked.put(digest, b);
              } catch (StrataClientException e) {
                full = e;
              }
            }
            assertThat(full).as("puts until the disk is full").isNotNull();
            assertThat(full.status()).as(full.getMessage()).isEqualTo(Status.STORAGE_FULL);
            assertThat(acked).hasSizeGreaterThan(5);

            // Every other write path says the same, in one line.
            byte[] bigLayer = Tars.of(Map.of("big.bin", TestData.random(7, 8 * MB)));
            assertThatThrownBy(
                    () ->
                        c.importImage(
                            new ImportArgs("big:1", null, "big.tar"),
                            out -> out.write(bigLayer),
                            none()))
                .isInstanceOfSatisfying(
                    StrataClientException.class,
                    e -> assertThat(e.status()).as(e.getMessage()).isEqualTo(Status.STORAGE_FULL));
            byte[] file = TestData.random(8, 8 * MB);
            assertThatThrownBy(
                    () ->
                        c.writeFile(
                            new WriteArgs("victim", "/big.bin", null, (long) file.length),
                            out -> out.write(file),
                            none()))
                .isInstanceOfSatisfying(
                    StrataClientException.class,
                    e -> assertThat(e.status()).as(e.getMessage()).isEqualTo(Status.STORAGE_FULL));

            // Reads and fsck keep working on the full disk.
            assertReadsBack(c, acked);
            assertThat(c.fsck().damaged()).isEmpty();

            // Removes work, and gc gives the space back: the packs of the removed objects are dead
            // whole, and gc deletes them before it copies anything.
            List<String> gone = new ArrayList<>(acked.keySet()).subList(0, acked.size() - 2);
            for (String d : List.copyOf(gone)) {
              c.remove(d);
              acked.remove(d);
            }
            assertThat(c.gc().bytesReclaimed()).isPositive();
            byte[] again = TestData.random(999, 4 * MB);
            acked.put(
                c.put(new ByteArrayInputStream(again), (long) again.length, none()).digest(),
                again);
            assertReadsBack(c, acked);

            // Killed, then the disk filled to the last byte from outside.
            s.process().destroyForcibly();
            s.process().waitFor();
          }
          fill(small.resolve("filler"));
          try (StratadProcess s =
                  StratadProcess.launch(dir.resolve("logs"), "--data", data.toString());
              StrataClient c = connect(s)) {
            assertReadsBack(c, acked);
            assertThat(c.fsck().damaged()).isEmpty();
            s.process().destroy();
            assertThat(s.awaitExit()).isZero();
          }
        });
  }

  /**
   * On a disk too full to copy any pack's live records out, gc gives the dead records' blocks back
   * in place (punched holes), so that removing half of what filled the disk frees about half of it
   * (AE2: it freed nothing, the packs' live halves had nowhere to go). What is left reads back,
   * fsck is clean, a restart sees the same, and a later gc with room rewrites the punched packs.
   */
  @Test
  @Timeout(value = 5, unit = TimeUnit.MINUTES)
  void gcOnADiskTooFullToRewriteGivesDeadRecordsBackInPlace() throws Exception {
    SmallDisk.run(
        dir,
        small -> {
          Path data = small.resolve("data");
          Map<String, byte[]> acked = new LinkedHashMap<>();
          try (StratadProcess s =
                  StratadProcess.launch(dir.resolve("logs"), "--data", data.toString());
              StrataClient c = connect(s)) {
            for (int i = 0; i < 40; i++) {
              byte[] b = TestData.random(300 + i, 4 * MB);
              try {
                acked.put(c.put(new ByteArrayInputStream(b), (long) b.length, none()).digest(), b);
              } catch (StrataClientException e) {
                assertThat(e.status()).as(e.getMessage()).isEqualTo(Status.STORAGE_FULL);
                break;
              }
            }
            assertThat(acked).hasSizeGreaterThan(8);
            // every other blob removed: no pack is dead whole, each is half dead
            List<String> all = new ArrayList<>(acked.keySet());
            long removed = 0;
            for (int i = 0; i < all.size(); i += 2) {
              c.remove(all.get(i));
              removed += acked.remove(all.get(i)).length;
            }
            long freeBefore = Files.getFileStore(small).getUsableSpace();
            long reclaimed = c.gc().bytesReclaimed();
            long freeAfter = Files.getFileStore(small).getUsableSpace();
            assertThat(reclaimed).as("bytes reclaimed").isGreaterThan(removed * 3 / 4);
            // the space reserve is written again out of what was freed
            assertThat(freeAfter - freeBefore).as("free space gained").isGreaterThan(removed / 2);
            byte[] again = TestData.random(999, 4 * MB);
            acked.put(
                c.put(new ByteArrayInputStream(again), (long) again.length, none()).digest(),
                again);
            assertReadsBack(c, acked);
            assertThat(c.fsck().damaged()).isEmpty();
            s.process().destroy();
            assertThat(s.awaitExit()).isZero();
          }
          try (StratadProcess s =
                  StratadProcess.launch(dir.resolve("logs"), "--data", data.toString());
              StrataClient c = connect(s)) {
            assertReadsBack(c, acked);
            assertThat(c.fsck().damaged()).isEmpty();
            c.gc(); // room now: the punched packs are rewritten, their holes skipped
            assertReadsBack(c, acked);
            assertThat(c.fsck().damaged()).isEmpty();
            s.process().destroy();
            assertThat(s.awaitExit()).isZero();
          }
        });
  }

  /**
   * A compressed archive whose tar does not fit the disk once decompressed is refused as the data
   * root's full disk, and its spools go: the check made after the request failed found room again
   * (the spool deleted) and blamed a bind mount's source (V5).
   */
  @Test
  @Timeout(value = 5, unit = TimeUnit.MINUTES)
  void aCompressedArchiveTooBigForTheDiskDecompressedNamesTheDataRoot() throws Exception {
    SmallDisk.run(
        dir,
        small -> {
          Path data = small.resolve("data");
          // 96 MiB of four letters: about 30 MB gzipped, within the import limits' ratio
          java.util.Random r = new java.util.Random(5);
          Map<String, byte[]> files = new LinkedHashMap<>();
          for (int f = 0; f < 3; f++) {
            byte[] b = new byte[32 * MB];
            for (int i = 0; i < b.length; i++) {
              b[i] = (byte) ('A' + r.nextInt(4));
            }
            files.put("f" + f, b);
          }
          ByteArrayOutputStream gz = new ByteArrayOutputStream();
          try (OutputStream z =
              new java.util.zip.GZIPOutputStream(gz) {
                {
                  def.setLevel(1);
                }
              }) {
            z.write(Tars.of(files));
          }
          byte[] compressed = gz.toByteArray();
          try (StratadProcess s =
                  StratadProcess.launch(dir.resolve("logs"), "--data", data.toString());
              StrataClient c = connect(s)) {
            Path root = data.toRealPath();
            assertThatThrownBy(
                    () ->
                        c.importImage(
                            new ImportArgs("low:1", null, "low.tar.gz"),
                            out -> out.write(compressed),
                            none()))
                .isInstanceOfSatisfying(
                    StrataClientException.class,
                    e -> {
                      assertThat(e.status()).as(e.getMessage()).isEqualTo(Status.STORAGE_FULL);
                      assertThat(e.getMessage())
                          .contains("data root " + root)
                          .doesNotContain("bind mount");
                    });
            try (var left = Files.list(data.resolve("tmp"))) {
              assertThat(left.filter(Files::isRegularFile).toList()).as("spools left").isEmpty();
            }
          }
        });
  }

  private static StrataClient connect(StratadProcess s) throws Exception {
    assertThat(s.awaitReady()).as(s.stderr()).isTrue();
    return StrataClient.connect(new HostPort("127.0.0.1", s.port()), null);
  }

  private static TransferListener none() {
    return TransferListener.NONE;
  }

  private static void assertReadsBack(StrataClient c, Map<String, byte[]> acked)
      throws IOException {
    for (Map.Entry<String, byte[]> e : acked.entrySet()) {
      ByteArrayOutputStream back = new ByteArrayOutputStream();
      c.get(e.getKey(), 0, -1, back, none());
      assertThat(back.toByteArray()).as(e.getKey()).isEqualTo(e.getValue());
    }
  }

  /** Writes zeros into {@code file} until the file system has no byte left. */
  private static void fill(Path file) throws IOException {
    byte[] zeros = new byte[64 << 10];
    try (OutputStream out = Files.newOutputStream(file)) {
      while (true) {
        out.write(zeros);
      }
    } catch (IOException e) {
      assertThat(e.getMessage()).contains("No space left on device");
    }
    try (OutputStream out = Files.newOutputStream(file.resolveSibling("filler-tail"))) {
      for (int i = 0; i < 64 << 10; i++) {
        out.write(0);
        out.flush();
      }
    } catch (IOException e) {
      // the last bytes are gone too
    }
  }
}
