package io.strata.perf.ingest;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * restic, the peer: one fresh repository (format v2, {@code --compression auto}) with its cache in
 * a temporary directory, into which data sets are backed up in order, as Strata ingests them into
 * one store. Times each {@code restic backup} from process start to exit.
 */
final class ResticPeer {
  private static final String PASSWORD = "strata-perf";

  private final Path repo;
  private final Path cache;
  private final Path log;

  /**
   * One backup.
   *
   * @param nanos wall time of {@code restic backup}
   * @param repoBytes the repository's size on disk afterwards
   */
  record Result(long nanos, long repoBytes) {}

  private ResticPeer(Path work) {
    this.repo = work.resolve("repo");
    this.cache = work.resolve("cache");
    this.log = work.resolve("restic.log");
  }

  /** {@code restic version}'s output, or null if restic cannot be run. */
  static String version() {
    try {
      Process p = new ProcessBuilder("restic", "version").redirectErrorStream(true).start();
      String v = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
      return p.waitFor() == 0 ? v : null;
    } catch (IOException e) {
      return null;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    }
  }

  /** Creates a repository under {@code work}, which must be empty or absent. */
  static ResticPeer init(Path work) throws IOException {
    Files.createDirectories(work);
    ResticPeer peer = new ResticPeer(work);
    peer.restic("init");
    return peer;
  }

  /** Backs {@code ds} up into the repository. */
  Result backup(DataSet ds) throws IOException {
    long t0 = System.nanoTime();
    restic("backup", "--compression", "auto", ds.root().toString());
    long nanos = System.nanoTime() - t0;
    return new Result(nanos, sizeOf(repo));
  }

  private void restic(String... args) throws IOException {
    List<String> cmd = new ArrayList<>(List.of("restic", "-q", "-r", repo.toString()));
    cmd.add("--cache-dir");
    cmd.add(cache.toString());
    cmd.addAll(List.of(args));
    ProcessBuilder pb =
        new ProcessBuilder(cmd)
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
    pb.environment().put("RESTIC_PASSWORD", PASSWORD);
    try {
      Process p = pb.start();
      if (!p.waitFor(1, TimeUnit.HOURS)) {
        p.destroyForcibly();
        throw new IOException("restic " + args[0] + " ran for an hour; see " + log);
      }
      // Exit code 3: some files could not be read; the backup is still complete for the rest.
      if (p.exitValue() != 0 && p.exitValue() != 3) {
        throw new IOException(
            "restic " + args[0] + " exited with " + p.exitValue() + "; see " + log);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("restic " + args[0] + ": interrupted", e);
    }
  }

  /** Bytes of the regular files under {@code dir}. */
  static long sizeOf(Path dir) throws IOException {
    try (Stream<Path> s = Files.walk(dir)) {
      long total = 0;
      for (Path p : (Iterable<Path>) s.filter(Files::isRegularFile)::iterator) {
        total += Files.size(p);
      }
      return total;
    }
  }
}
