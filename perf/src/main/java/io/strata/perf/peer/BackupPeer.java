package io.strata.perf.peer;

import java.io.IOException;
import java.nio.file.Path;

/** A backup tool with one repository, into which trees are backed up in order. */
public interface BackupPeer {
  /** What the reports call it, with its settings: {@code restic (auto)}. */
  String name();

  /** Backs the tree at {@code root} up into the repository. */
  Backup backup(Path root) throws IOException;
}
