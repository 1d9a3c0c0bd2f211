package io.strata.perf.peer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * borg: one fresh repository without encryption (Strata encrypts nothing either, so neither pays
 * for it), its default chunker (buzhash, 2 MiB average) and a given compression. Its cache, keys
 * and security files live in the same temporary directory ({@code BORG_BASE_DIR}), so no run sees
 * another's files cache. Each tree is one archive, numbered in order.
 */
public final class BorgPeer implements BackupPeer {
  /** Exit code 1: warnings (such as a file changing while read); the archive is complete. */
  private static final Set<Integer> OK = Set.of(0, 1);

  private final Path repo;
  private final Path log;
  private final String compression;
  private final Map<String, String> env;
  private int archives;

  private BorgPeer(Path work, String compression) {
    this.repo = work.resolve("repo");
    this.log = work.resolve("borg.log");
    this.compression = compression;
    this.env =
        Map.of(
            "BORG_BASE_DIR",
            work.resolve("home").toString(),
            "BORG_UNKNOWN_UNENCRYPTED_REPO_ACCESS_IS_OK",
            "yes",
            "BORG_RELOCATED_REPO_ACCESS_IS_OK",
            "yes");
  }

  /** {@code borg --version}'s output, or null if borg cannot be run. */
  public static String version() {
    return ExternalCommand.version("borg", "--version");
  }

  /**
   * Creates a repository under {@code work} (empty or absent) whose archives are compressed with
   * {@code compression}, in borg's syntax ({@code zstd,3}, {@code lz4}).
   */
  public static BorgPeer init(Path work, String compression) throws IOException {
    Files.createDirectories(work);
    BorgPeer peer = new BorgPeer(work, compression);
    peer.borg("init", "--encryption", "none", peer.repo.toString());
    return peer;
  }

  @Override
  public String name() {
    return "borg (" + compression + ")";
  }

  @Override
  public Backup backup(Path root) throws IOException {
    String archive = repo + "::" + ++archives;
    return Backup.measure(
        () -> borg("create", "--compression", compression, archive, root.toString()), repo);
  }

  private void borg(String... args) throws IOException {
    List<String> cmd = new ArrayList<>(List.of("borg"));
    cmd.addAll(List.of(args));
    ExternalCommand.run("borg " + args[0], cmd, env, OK, log);
  }
}
