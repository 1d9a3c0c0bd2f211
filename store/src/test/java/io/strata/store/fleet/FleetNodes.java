package io.strata.store.fleet;

import io.strata.store.engine.ChunkStore;
import io.strata.store.remote.SharedSettings;
import java.io.IOException;
import java.nio.file.Path;

/** Nodes of a fleet sharing one {@link MemoryBucket}, as the fleet tests open them. */
final class FleetNodes {
  private FleetNodes() {}

  /**
   * A node whose chunk store lives under {@code root} and shares {@code bucket}, with a 64 MiB
   * cache. It lists the bucket and publishes its live set an hour apart: the test decides when a
   * node sees the others' packs ({@code shared().refresh()}), so duplicates and races are made on
   * purpose, not by the clock.
   */
  static ChunkStore open(Path root, MemoryBucket bucket) throws IOException {
    return ChunkStore.open(
        root.resolve("chunks"),
        ChunkStore.Options.defaults()
            .withShared(new SharedSettings(bucket, 64L << 20, 3_600_000, 3_600_000)));
  }
}
