package io.strata.server.handler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.strata.protocol.Opcode;
import io.strata.protocol.Status;
import io.strata.server.op.Outcome;
import io.strata.server.op.UploadSink;
import java.io.ByteArrayOutputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * How one stream feeds DATA payloads to its upload sink. The payloads are direct buffers, as the
 * server's pooled allocator hands them out, so they take the copying path a heap array skips.
 */
@Timeout(60)
class ServerStreamTest {
  /** The copy buffer is 64 KiB whatever the frames were: what one sink call may take at most. */
  private static final int COPY = 64 << 10;

  private static final java.nio.file.Path DATA_ROOT = java.nio.file.Path.of("/srv/strata");

  private final EmbeddedChannel ch = new EmbeddedChannel();
  private final AtomicReference<Status> answered = new AtomicReference<>();
  private final List<String> diskFull = new java.util.concurrent.CopyOnWriteArrayList<>();
  // a path that does not exist: its free space reads as none, as a full data root's
  private java.nio.file.Path dataRoot = DATA_ROOT;
  @org.junit.jupiter.api.io.TempDir java.nio.file.Path roomy;

  @AfterEach
  void release() {
    ch.finishAndReleaseAll();
  }

  /** A sink that keeps what it is given and how it was cut. */
  private static class RecordingSink implements UploadSink {
    final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    final List<Integer> calls = new ArrayList<>();

    @Override
    public void write(byte[] b, int off, int len) {
      calls.add(len);
      bytes.write(b, off, len);
    }

    @Override
    public Outcome finish() {
      return new Outcome.Reply(new Object());
    }

    @Override
    public void abort() {}
  }

  /** A stream of request {@code op} on {@code channel}, its work run by {@code executor}. */
  private ServerStream stream(
      Opcode op, io.netty.channel.Channel channel, java.util.concurrent.Executor executor) {
    return new ServerStream(
        1,
        op.code(),
        channel,
        executor,
        dataRoot,
        diskFull::add,
        (stream, status) -> answered.set(status),
        n -> {});
  }

  private ServerStream upload(RecordingSink sink) {
    ServerStream s = stream(Opcode.BLOB_PUT, ch, Runnable::run);
    s.start(args -> new Outcome.Upload(sink), new byte[0]);
    return s;
  }

  private static ByteBuf direct(byte[] b) {
    ByteBuf buf = Unpooled.directBuffer(Math.max(1, b.length));
    buf.writeBytes(b);
    return buf;
  }

  /**
   * The one RESPONSE of a {@code blob.put} whose sink throws {@code failure} at its first bytes, as
   * it goes out on the wire.
   */
  private SentFrames.Sent answerToAFailingUpload(RuntimeException failure) throws Exception {
    EmbeddedChannel wire = new EmbeddedChannel(new io.strata.server.codec.FrameEncoder());
    try {
      ServerStream s = stream(Opcode.BLOB_PUT, wire, Runnable::run);
      s.start(
          args ->
              new Outcome.Upload(
                  new RecordingSink() {
                    @Override
                    public void write(byte[] b, int off, int len) {
                      throw failure;
                    }
                  }),
          new byte[0]);
      s.write(direct(new byte[] {1}), () -> {});
      List<SentFrames.Sent> sent = new SentFrames().drain(wire);
      assertThat(sent).hasSize(1);
      assertThat(answered.get()).isEqualTo(sent.get(0).status());
      return sent.get(0);
    } finally {
      wire.finishAndReleaseAll();
    }
  }

  /**
   * A cancel that arrives while the upload's work runs on the complete upload (an archive's import
   * after its spool is whole) asks that work to stop at once, from the cancelling thread: the work
   * ends, nothing is answered but CANCELLED (V4: the work ran to its end, and the image appeared).
   */
  @Test
  void aCancelDuringTheWorkOnACompleteUploadAsksTheWorkToStop() throws Exception {
    java.util.concurrent.CountDownLatch working = new java.util.concurrent.CountDownLatch(1);
    java.util.concurrent.CountDownLatch stop = new java.util.concurrent.CountDownLatch(1);
    java.util.concurrent.ExecutorService worker =
        java.util.concurrent.Executors.newSingleThreadExecutor();
    try {
      ServerStream s = stream(Opcode.IMAGE_IMPORT, ch, worker);
      s.start(
          args ->
              new Outcome.Upload(
                  new RecordingSink() {
                    @Override
                    public Outcome finish() {
                      working.countDown();
                      try {
                        if (!stop.await(30, java.util.concurrent.TimeUnit.SECONDS)) {
                          return new Outcome.Reply(new Object()); // never asked: the bug
                        }
                      } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                      }
                      throw new java.io.UncheckedIOException(
                          new java.io.IOException("stopped, the client cancelled"));
                    }

                    @Override
                    public void cancelRequested() {
                      stop.countDown();
                    }
                  }),
          new byte[0]);
      s.finishUpload();
      assertThat(working.await(30, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
      s.cancel("the client closed the connection");
      worker.shutdown();
      assertThat(worker.awaitTermination(30, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
      assertThat(stop.getCount()).as("the work was asked to stop").isZero();
      assertThat(answered.get()).isEqualTo(Status.CANCELLED);
    } finally {
      worker.shutdownNow();
    }
  }

  @Test
  void anUploadThatRunsOutOfDescriptorsIsUnavailableInOneSentence() throws Exception {
    // as the store's new pack met EMFILE, wrapped on its way up
    SentFrames.Sent answer =
        answerToAFailingUpload(
            new java.io.UncheckedIOException(
                new java.io.IOException(
                    new java.nio.file.FileSystemException(
                        "/data/chunks/packs/00000009.pack", null, "Too many open files"))));
    assertThat(answer.status()).isEqualTo(Status.UNAVAILABLE);
    assertThat(answer.body())
        .contains(
            "blob.put: too many open files on the server (its open-file limit is reached); retry");
  }

  /**
   * The OS's ENOSPC met by a file of the request's own (a driver record, a container's file) says
   * what the store's own full disk says, naming the data root; it said "I/O error on the server".
   */
  @Test
  void anUploadThatMeetsAFullDiskNamesTheDataRoot() throws Exception {
    SentFrames.Sent answer =
        answerToAFailingUpload(
            new java.io.UncheckedIOException(new java.io.IOException("No space left on device")));
    assertThat(answer.status()).isEqualTo(Status.STORAGE_FULL);
    assertThat(answer.body())
        .contains("blob.put: data root /srv/strata: the disk is full (No space left on device)")
        .doesNotContain("I/O error");
    // and the caches that hold disk for speed hear of it (the registry's blob cache)
    assertThat(diskFull).hasSize(1);
    assertThat(diskFull.get(0)).contains("data root /srv/strata: the disk is full");
  }

  /**
   * A full disk that is not the data root's (a bind mount's source on a full file system) says so
   * and leaves the registry's blob cache alone; it named the data root, with room to spare, and
   * emptied the cache at every such write (docs/ADVERSARIAL.md, T3).
   */
  @Test
  void aFullDiskElsewhereDoesNotBlameTheDataRoot() throws Exception {
    dataRoot = roomy;
    SentFrames.Sent answer =
        answerToAFailingUpload(
            new java.io.UncheckedIOException(new java.io.IOException("No space left on device")));
    assertThat(answer.status()).isEqualTo(Status.STORAGE_FULL);
    assertThat(answer.body())
        .contains("blob.put: the disk is full (No space left on device), not the data root's")
        .contains("bind mount")
        .doesNotContain("data root " + roomy);
    assertThat(diskFull).as("the caches are not emptied for it").isEmpty();
  }

  /**
   * A full disk the cause says was the data root's (writes it took, reported after it was freed)
   * names the data root, not a bind mount's file system (tester AS6).
   */
  @Test
  void aFullDataRootReportedAfterItWasFreedNamesTheDataRoot() throws Exception {
    dataRoot = roomy;
    SentFrames.Sent answer =
        answerToAFailingUpload(
            new java.io.UncheckedIOException(
                new java.io.IOException(
                    "mount /mnt/c: changes held since the last sync were lost: data root "
                        + roomy
                        + ": the disk is full",
                    new java.io.IOException("No space left on device"))));
    assertThat(answer.status()).isEqualTo(Status.STORAGE_FULL);
    assertThat(answer.body())
        .contains("blob.put: data root " + roomy + ": the disk is full (mount /mnt/c")
        .doesNotContain("bind mount");
  }

  /**
   * A failure whose answer cannot be made (its message throws, as a missing class or an exhausted
   * heap makes the error path itself fail) still answers the client: it used to wait forever.
   */
  @Test
  void aFailureThatCannotBeDescribedStillAnswersTheClient() throws Exception {
    SentFrames.Sent answer =
        answerToAFailingUpload(
            new IllegalStateException() {
              @Override
              public String getMessage() {
                throw new NoClassDefFoundError("io/strata/store/disk/DiskFull");
              }
            });
    assertThat(answer.status()).isEqualTo(Status.INTERNAL);
    assertThat(answer.body()).contains("blob.put: internal error on the server");
  }

  @Test
  void anEmptyFirstFrameDoesNotStopLaterOnes() {
    RecordingSink sink = new RecordingSink();
    ServerStream s = upload(sink);
    byte[] data = {1, 2, 3, 4, 5};
    // Before the fix, the copy buffer took the first frame's size (0) and the second frame's
    // copy loop added 0 bytes forever.
    assertTimeoutPreemptively(
        Duration.ofSeconds(10),
        () -> {
          s.write(direct(new byte[0]), () -> {});
          s.write(direct(data), () -> {});
          s.finishUpload();
        });
    assertThat(sink.bytes.toByteArray()).isEqualTo(data);
    assertThat(answered.get()).isEqualTo(Status.OK);
  }

  @Test
  void aOneByteFirstFrameDoesNotCutLaterFramesIntoBytes() {
    RecordingSink sink = new RecordingSink();
    ServerStream s = upload(sink);
    byte[] big = new byte[COPY];
    new Random(1).nextBytes(big);
    s.write(direct(new byte[] {9}), () -> {});
    s.write(direct(big), () -> {});
    s.write(direct(new byte[] {7, 7, 7}), () -> {});
    s.finishUpload();
    // One sink call per frame: the buffer is not sized from the 1-byte first frame.
    assertThat(sink.calls).containsExactly(1, COPY, 3);
    assertThat(answered.get()).isEqualTo(Status.OK);
  }

  @Test
  void randomMixesOfFrameSizesArriveWholeAndInOrder() {
    long seed = Long.getLong("strata.test.seed", System.nanoTime());
    Random rnd = new Random(seed);
    for (int round = 0; round < 20; round++) {
      RecordingSink sink = new RecordingSink();
      ServerStream s = upload(sink);
      ByteArrayOutputStream expected = new ByteArrayOutputStream();
      long mostCalls = 0;
      int frames = 1 + rnd.nextInt(12);
      for (int i = 0; i < frames; i++) {
        int n =
            switch (rnd.nextInt(5)) {
              case 0 -> 0;
              case 1 -> 1;
              case 2 -> rnd.nextInt(100);
              case 3 -> rnd.nextInt(3 * COPY);
              default -> rnd.nextInt(1 << 20) + 1;
            };
        byte[] b = new byte[n];
        rnd.nextBytes(b);
        expected.writeBytes(b);
        mostCalls += (n + COPY - 1) / COPY;
        ByteBuf buf = direct(b);
        assertTimeoutPreemptively(
            Duration.ofSeconds(10), () -> s.write(buf, () -> {}), "seed " + seed);
      }
      s.finishUpload();
      assertThat(sink.bytes.toByteArray()).as("seed " + seed).isEqualTo(expected.toByteArray());
      assertThat((long) sink.calls.size()).as("seed " + seed).isLessThanOrEqualTo(mostCalls);
      assertThat(answered.getAndSet(null)).as("seed " + seed).isEqualTo(Status.OK);
    }
  }
}
