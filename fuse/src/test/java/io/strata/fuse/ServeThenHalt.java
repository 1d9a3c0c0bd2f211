package io.strata.fuse;

import io.strata.store.Engine;
import io.strata.store.engine.ChunkStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * A server that dies as a killed one does ({@link StaleMountTest}): mounts a read-only snapshot at
 * the directory it is given, stats the mount's root (so the kernel caches its attributes, for an
 * hour on a read-only mount), says so, and halts without unmounting.
 */
final class ServeThenHalt {
  private ServeThenHalt() {}

  public static void main(String[] args) throws Exception {
    Path data = Path.of(args[0]);
    Path mountPoint = Path.of(args[1]);
    Engine engine = Engine.open(data, "btrfs", ChunkStore.Options.defaults());
    engine.storage().prepare("view", null, Map.of());
    FuseMounts mounts = new FuseMounts(data);
    mounts.mount(engine.storage().fs("view"), mountPoint, true);
    Files.readAttributes(mountPoint, "unix:ino");
    System.out.println("mounted");
    System.out.flush();
    Runtime.getRuntime().halt(9); // as kill -9: no shutdown hook unmounts
  }
}
