package io.strata.perf.peer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * restic: one fresh repository (format v2, {@code --compression auto}) with its cache in the same
 * temporary directory. Times each {@code restic backup} from process start to exit.
 */
public final class ResticPeer implements BackupPeer {
  private static final Map<String, String> ENV = Map.of("RESTIC_PASSWORD", "strata-perf");

  /** Exit code 3: some files could not be read; the backup is still complete for the rest. */
  private static final Set<Integer> OK = Set.of(0, 3);

  private final Path repo;
  private final Path cache;
  private final Path log;

  private ResticPeer(Path work) {
    this.repo = work.resolve("repo");
    this.cache = work.resolve("cache");
    this.log = work.resolve("restic.log");
  }

  /** {@code restic version}'s output, or null if restic cannot be run. */
  public static String version() {
    return ExternalCommand.version("restic", "version");
  }

  /** Creates a repository under {@code work}, which must be empty or absent. */
  public static ResticPeer init(Path work) throws IOException {
    Files.createDirectories(work);
    ResticPeer peer = new ResticPeer(work);
    peer.restic("init");
    return peer;
  }

  @Override
  public String name() {
    return "restic (auto)";
  }

  @Override
  public Backup backup(Path root) throws IOException {
    return Backup.measure(() -> restic("backup", "--compression", "auto", root.toString()), repo);
  }

  private void restic(String... args) throws IOException {
    List<String> cmd = new ArrayList<>(List.of("restic", "-q", "-r", repo.toString()));
    cmd.add("--cache-dir");
    cmd.add(cache.toString());
    cmd.addAll(List.of(args));
    ExternalCommand.run("restic " + args[0], cmd, ENV, OK, log);
  }
}
