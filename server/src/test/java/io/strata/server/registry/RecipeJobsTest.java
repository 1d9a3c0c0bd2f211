package io.strata.server.registry;

import static org.assertj.core.api.Assertions.assertThat;

import io.strata.store.blob.BlobService;
import io.strata.store.deflate.GoGzipOutputStream;
import io.strata.store.digest.Digest;
import io.strata.store.image.ImageFixture;
import io.strata.store.image.TarBuilder;
import io.strata.store.registry.RegistryStore;
import io.strata.store.registry.StagedBlobs;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A recipe job that fails is tried again, so a failure under load does not leave its blob staged,
 * and the manifests parked on it without a chunk index, until the next start; one that fails every
 * time ends, after {@link RecipeJobs#ATTEMPTS}, by telling its listener that it gave up, so that
 * nothing waits for it silently; so does one that throws an {@link Error}, at once.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class RecipeJobsTest {
  private static final String REPO = "app/x";
  private static final Duration RETRY = Duration.ofMillis(100);

  @TempDir Path dir;
  private ImageFixture fix;
  private RegistryStore registry;
  private RecipeJobs jobs;

  @BeforeEach
  void open() throws IOException {
    fix = new ImageFixture(dir.resolve("store"));
    registry =
        new RegistryStore(
            fix.chunks(), new BlobService(fix.chunks()), new StagedBlobs(dir.resolve("staged")));
  }

  @AfterEach
  void close() throws IOException {
    if (jobs != null) {
      jobs.close();
    }
    fix.close();
  }

  /** A Go-gzipped layer of one file, staged as a push stages it. */
  private Digest stagedLayer() throws IOException {
    StringBuilder s = new StringBuilder();
    for (int i = 0; s.length() < 200_000; i++) {
      s.append("line ").append(i).append('\n');
    }
    byte[] tar = new TarBuilder().file("a", s.toString()).bytes();
    ByteArrayOutputStream gz = new ByteArrayOutputStream();
    try (GoGzipOutputStream out = new GoGzipOutputStream(gz, 6, GoGzipOutputStream.goHeader(6))) {
      out.write(tar);
    }
    byte[] g = gz.toByteArray();
    Digest d = Digest.sha256(g, 0, g.length);
    Path spool = dir.resolve(d.hex());
    Files.write(spool, g);
    assertThat(registry.putBlobFileStaged(REPO, d, spool)).isTrue();
    return d;
  }

  private static void awaitNoPending(RecipeJobs jobs) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (jobs.pending() > 0) {
      assertThat(System.nanoTime()).as("jobs ended").isLessThan(deadline);
      Thread.sleep(20);
    }
  }

  /**
   * A stop ends the job in progress at its next read of its staged file, on the job's own thread:
   * never an interrupt, which inside the store's FileChannel I/O had Java close the pack being
   * written (its last chunks dropped as after a failed fsync, and the store's close failing with a
   * stack trace: docs/ADVERSARIAL.md, H9). The blob stays staged for the next start, and the store
   * goes on: a blob stored after the stop, then the store's close (in {@link #close}), succeed.
   */
  @Test
  void aStopEndsTheJobInProgressBetweenReadsWithoutInterruptingIt() throws Exception {
    Digest big = stagedRandomBlob(32 << 20);
    io.strata.store.engine.StopSignal stop = new io.strata.store.engine.StopSignal();
    CompletableFuture<Throwable> ended = new CompletableFuture<>();
    java.util.concurrent.atomic.AtomicBoolean interrupted =
        new java.util.concurrent.atomic.AtomicBoolean();
    jobs =
        new RecipeJobs(
            registry,
            d -> {
              try {
                registry.storeStaged(d, stop);
                ended.complete(null);
              } catch (IOException | RuntimeException e) {
                interrupted.set(Thread.currentThread().isInterrupted());
                ended.complete(e);
                throw e;
              }
            },
            RETRY,
            stop);
    long before = packBytes();
    jobs.submit(big);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (packBytes() < before + (2 << 20)) { // under way: part of the blob stored
      assertThat(ended).as("still storing").isNotDone();
      assertThat(System.nanoTime()).as("the job made no progress").isLessThan(deadline);
      Thread.sleep(5);
    }
    jobs.close();
    assertThat(ended.get(10, TimeUnit.SECONDS))
        .isInstanceOf(io.strata.store.engine.StopSignal.Stopped.class);
    assertThat(interrupted).as("the job's thread was interrupted").isFalse();
    assertThat(jobs.pending()).isZero();
    assertThat(registry.isStaged(big)).as("left staged, for the next start").isTrue();
    Path small = dir.resolve("small");
    Files.write(small, "after the stop".getBytes(java.nio.charset.StandardCharsets.UTF_8));
    new BlobService(fix.chunks()).putFile(small, null);
  }

  /** A gzip blob of {@code n} random bytes, staged as a push stages it. */
  private Digest stagedRandomBlob(int n) throws IOException {
    Path spool = dir.resolve("random.gz");
    java.security.MessageDigest md = Digest.newSha256();
    try (java.io.OutputStream out =
        new java.util.zip.GZIPOutputStream(
            new java.security.DigestOutputStream(Files.newOutputStream(spool), md))) {
      java.util.Random r = new java.util.Random(7);
      byte[] piece = new byte[1 << 20];
      for (int i = 0; i < n; i += piece.length) {
        r.nextBytes(piece);
        out.write(piece);
      }
    }
    Digest d = Digest.of(md.digest());
    assertThat(registry.putBlobFileStaged(REPO, d, spool)).isTrue();
    return d;
  }

  /** The bytes of the store's pack files. */
  private long packBytes() throws IOException {
    try (var files = Files.walk(dir.resolve("store"))) {
      return files
          .filter(p -> p.getFileName().toString().endsWith(".pack"))
          .mapToLong(
              p -> {
                try {
                  return Files.size(p);
                } catch (IOException e) {
                  return 0; // sealed and renamed meanwhile
                }
              })
          .sum();
    }
  }

  /**
   * Jobs whose first attempt fails with {@code first}, the next stores; counted in {@code
   * attempts}.
   */
  private RecipeJobs failingFirst(IOException first, AtomicInteger attempts) {
    return new RecipeJobs(
        registry,
        d -> {
          if (attempts.incrementAndGet() == 1) {
            throw first;
          }
          registry.storeStaged(d);
        },
        RETRY);
  }

  @Test
  void aJobThatFailsOnceIsTriedAgainAndItsBlobSettles() throws Exception {
    Digest layer = stagedLayer();
    AtomicInteger attempts = new AtomicInteger();
    jobs = failingFirst(new IOException("the store is busy"), attempts);
    CompletableFuture<Digest> settled = new CompletableFuture<>();
    List<Digest> gaveUp = new CopyOnWriteArrayList<>();
    jobs.onSettled(settled::complete);
    jobs.onGaveUp((d, why) -> gaveUp.add(d));
    jobs.submit(layer);

    assertThat(settled.get(30, TimeUnit.SECONDS)).isEqualTo(layer);
    assertThat(attempts).hasValue(2);
    assertThat(jobs.pending(layer)).as("still staged").isFalse();
    assertThat(registry.gzipRecipe(layer)).as("stored as a recipe").isNotNull();
    awaitNoPending(jobs);
    assertThat(gaveUp).isEmpty();
  }

  /** A job that meets a full disk says so, so that the blob cache gives its space back first. */
  @Test
  void aJobThatMeetsAFullDiskTellsItsListener() throws Exception {
    Digest layer = stagedLayer();
    jobs = failingFirst(new IOException("No space left on device"), new AtomicInteger());
    List<String> full = new CopyOnWriteArrayList<>();
    CompletableFuture<Digest> settled = new CompletableFuture<>();
    jobs.onDiskFull(full::add);
    jobs.onSettled(settled::complete);
    jobs.submit(layer);

    assertThat(settled.get(30, TimeUnit.SECONDS)).isEqualTo(layer);
    assertThat(full).hasSize(1);
    assertThat(full.get(0)).contains("blob " + layer).contains("full disk");
  }

  /**
   * A job that meets a full disk more often than its attempts is tried again until there is room,
   * and stores the blob then (tester AS7: it stayed staged, a second copy of the layer on the full
   * disk, until a restart).
   */
  @Test
  void aJobOnAFullDiskIsTriedAgainUntilThereIsRoom() throws Exception {
    Digest layer = stagedLayer();
    AtomicInteger attempts = new AtomicInteger();
    jobs =
        new RecipeJobs(
            registry,
            d -> {
              if (attempts.incrementAndGet() <= RecipeJobs.ATTEMPTS + 2) {
                throw new IOException("No space left on device");
              }
              registry.storeStaged(d, new io.strata.store.engine.StopSignal());
            },
            Duration.ofMillis(20));
    List<String> gaveUp = new CopyOnWriteArrayList<>();
    CompletableFuture<Digest> settled = new CompletableFuture<>();
    jobs.onGaveUp((d, why) -> gaveUp.add(why));
    jobs.onSettled(settled::complete);
    jobs.submit(layer);

    assertThat(settled.get(30, TimeUnit.SECONDS)).isEqualTo(layer);
    assertThat(attempts).hasValue(RecipeJobs.ATTEMPTS + 3);
    assertThat(gaveUp).isEmpty();
    assertThat(registry.gzipRecipe(layer)).as("stored as a recipe").isNotNull();
    awaitNoPending(jobs);
  }

  @Test
  void aJobThatFailsEveryTimeGivesUpAfterItsAttemptsSayingWhy() throws Exception {
    Digest layer = stagedLayer();
    AtomicInteger attempts = new AtomicInteger();
    jobs =
        new RecipeJobs(
            registry,
            d -> {
              attempts.incrementAndGet();
              throw new IOException("disk on fire");
            },
            RETRY);
    List<Digest> settled = new CopyOnWriteArrayList<>();
    CompletableFuture<String> gaveUp = new CompletableFuture<>();
    jobs.onSettled(settled::add);
    jobs.onGaveUp(
        (d, why) -> {
          assertThat(d).isEqualTo(layer);
          gaveUp.complete(why);
        });
    jobs.submit(layer);
    assertThat(jobs.pending()).as("counted until its last attempt").isEqualTo(1);

    assertThat(gaveUp.get(30, TimeUnit.SECONDS)).contains("disk on fire");
    awaitNoPending(jobs);
    assertThat(attempts).hasValue(RecipeJobs.ATTEMPTS);
    assertThat(settled).isEmpty();
    // left staged, whole, for the next start
    assertThat(jobs.pending(layer)).isTrue();
    assertThat(registry.hasBlob(REPO, layer)).isTrue();
  }

  @Test
  void aJobThatThrowsAnErrorGivesUpAtOnceSayingWhy() throws Exception {
    Digest layer = stagedLayer();
    AtomicInteger attempts = new AtomicInteger();
    jobs =
        new RecipeJobs(
            registry,
            d -> {
              attempts.incrementAndGet();
              throw new NoClassDefFoundError("io/strata/Gone");
            },
            RETRY);
    CompletableFuture<String> gaveUp = new CompletableFuture<>();
    jobs.onGaveUp((d, why) -> gaveUp.complete(why));
    jobs.submit(layer);
    assertThat(gaveUp.get(30, TimeUnit.SECONDS)).contains("io/strata/Gone");
    awaitNoPending(jobs);
    assertThat(attempts).hasValue(1);
    // the thread goes on: the next job runs
    CompletableFuture<Void> after = new CompletableFuture<>();
    jobs.afterQueued(() -> after.complete(null), true);
    after.get(30, TimeUnit.SECONDS);
  }
}
