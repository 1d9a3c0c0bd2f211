package io.strata.store.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.strata.store.Engine;
import io.strata.store.blob.BlobEntry;
import io.strata.store.digest.Digest;
import io.strata.store.testing.TestData;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * SIGKILL while puts, removes and GC run at once, on one data root, round after round. After each
 * kill every object acknowledged and not since removed reads back exactly, an object whose removal
 * was acknowledged is gone unless an acknowledged put of the same content came later, and fsck is
 * clean. Puts often repeat content a concurrent GC is collecting: the race that once lost
 * acknowledged objects (a chunk stored again under a new id while GC's checkpoint was pending).
 *
 * <p>{@code -Dstrata.gccrash.rounds=N} runs N rounds (the suite runs 12; the figure in the notes
 * comes from 200).
 */
class GcCrashIT {
  @TempDir Path work;

  /** The content of object {@code seed}: text or random, 1 byte to 600 KiB. */
  static byte[] content(long seed) {
    Random r = new Random(seed);
    int size = 1 + r.nextInt(r.nextBoolean() ? 64 << 10 : 600 << 10);
    return seed % 3 == 0 ? TestData.random(seed, size) : TestData.text(seed, size);
  }

  @Test
  @Timeout(value = 60, unit = TimeUnit.MINUTES)
  void killedDuringGcLosesNothingAcknowledged() throws Exception {
    int rounds = Integer.getInteger("strata.gccrash.rounds", 12);
    Path data = work.resolve("data");
    Path journal = work.resolve("journal");
    Random random = new Random(7);
    // seed -> what was acknowledged under it and not removed since
    Map<Long, Acked> live = new HashMap<>();
    // Every line every child printed, to explain a failure.
    history.clear();
    Set<Digest> removedForGood = new HashSet<>();
    long nextSeed = 1;
    int survived = 0;
    for (int round = 0; round < rounds; round++) {
      ProcessBuilder pb =
          new ProcessBuilder(
              Path.of(System.getProperty("java.home"), "bin", "java").toString(),
              "-cp",
              System.getProperty("java.class.path"),
              GcCrashWriter.class.getName(),
              data.toString(),
              Long.toString(nextSeed),
              journal.toString());
      pb.redirectError(ProcessBuilder.Redirect.DISCARD);
      Process child = pb.start();
      BufferedReader out =
          new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
      assertThat(out.readLine()).as("child started").isEqualTo("OPEN");
      Thread.sleep(200 + random.nextInt(1500));
      child.destroyForcibly(); // SIGKILL
      assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
      List<String> lines = java.nio.file.Files.readAllLines(journal);
      java.nio.file.Files.delete(journal);
      Set<Digest> uncertain = new HashSet<>();
      byte[] inFlight = null;
      long maxSeed = nextSeed - 1;
      for (String l : lines) {
        history.add("round " + round + ": " + l);
        String[] f = l.split(" ");
        assertThat(f[0]).as("round %d: %s", round, l).isNotEqualTo("GCFAIL");
        if (f[0].equals("ACK") && f.length == 4) {
          inFlight = null;
          Digest d = Digest.parse(f[3]);
          live.put(Long.parseLong(f[1]), new Acked(Long.parseLong(f[2]), d));
          removedForGood.remove(d);
          maxSeed = Math.max(maxSeed, Long.parseLong(f[1]));
        } else if (f[0].equals("PUT") && f.length == 3) {
          inFlight = GcCrashIT.content(Long.parseLong(f[2]));
        } else if (f[0].equals("RM") && f.length == 3) {
          // Blobs are named by their digest: every put of this content goes with it.
          Digest d = Digest.parse(f[2]);
          live.values().removeIf(a -> a.digest().equals(d));
          uncertain.add(d);
        } else if (f[0].equals("RMD") && f.length == 3) {
          Digest d = Digest.parse(f[2]);
          uncertain.remove(d);
          if (live.values().stream().noneMatch(a -> a.digest().equals(d))) {
            removedForGood.add(d);
          }
        }
      }
      // A put started but not acknowledged before the kill may or may not have landed.
      if (inFlight != null) {
        // It may have landed: from now on nothing is known of whether that content is stored.
        Digest d = Digest.sha256(inFlight, 0, inFlight.length);
        uncertain.add(d);
        removedForGood.remove(d);
      }
      nextSeed = maxSeed + 2;
      Path kept = Path.of(System.getProperty("java.io.tmpdir"), "gccrash-before-" + round);
      if (Boolean.getBoolean("strata.gccrash.keep")) {
        copyTree(data, kept);
      }
      verify(data, live, removedForGood, uncertain, round);
      if (Boolean.getBoolean("strata.gccrash.keep")) {
        deleteTree(kept);
      }
      survived++;
    }
    assertThat(survived).isEqualTo(rounds);
    System.out.printf("gc crash rounds survived: %d of %d%n", survived, rounds);
  }

  private static final List<String> history = new ArrayList<>();

  private static void copyTree(Path from, Path to) throws java.io.IOException {
    try (var s = java.nio.file.Files.walk(from)) {
      for (Path p : (Iterable<Path>) s::iterator) {
        java.nio.file.Files.copy(p, to.resolve(from.relativize(p).toString()));
      }
    }
  }

  private static void deleteTree(Path dir) throws java.io.IOException {
    try (var s = java.nio.file.Files.walk(dir)) {
      for (Path p : (Iterable<Path>) s.sorted(java.util.Comparator.reverseOrder())::iterator) {
        java.nio.file.Files.delete(p);
      }
    }
  }

  /** The children's lines that mention {@code what} (a seed or a digest). */
  private static String linesAbout(String what) {
    StringBuilder b = new StringBuilder();
    for (String l : history) {
      if (l.contains(" " + what + " ") || l.endsWith(" " + what)) {
        b.append('\n').append(l);
      }
    }
    return b.toString();
  }

  /** An acknowledged put: the seed of its content, and its digest. */
  private record Acked(long content, Digest digest) {}

  private static void verify(
      Path data, Map<Long, Acked> live, Set<Digest> removed, Set<Digest> uncertain, int round)
      throws Exception {
    try (Engine e = Engine.open(data, null, ChunkStore.Options.defaults())) {
      Set<Digest> listed = new HashSet<>();
      for (BlobEntry b : e.blobs().list()) {
        listed.add(b.digest());
      }
      Set<Digest> liveDigests = new HashSet<>();
      for (Map.Entry<Long, Acked> a : live.entrySet()) {
        Digest d = a.getValue().digest();
        liveDigests.add(d);
        assertThat(listed)
            .as(
                "round %d: acknowledged object %d listed; its history:%s%s",
                round, a.getKey(), linesAbout(Long.toString(a.getKey())), linesAbout(d.toString()))
            .contains(d);
        assertThat(e.blobs().open(d, 0, -1).readAllBytes())
            .as("round %d: acknowledged object %d reads back", round, a.getKey())
            .isEqualTo(content(a.getValue().content()));
      }
      for (Digest d : removed) {
        if (!uncertain.contains(d) && !liveDigests.contains(d)) {
          assertThat(listed).as("round %d: removed object %s is gone", round, d).doesNotContain(d);
        }
      }
      FsckReport report = e.fsck();
      assertThat(report.damaged()).as("round %d: fsck after a kill", round).isEmpty();
    }
  }
}
