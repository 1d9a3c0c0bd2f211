package io.strata.store.driver;

import java.time.Instant;
import java.util.Map;

/**
 * What a driver knows of one snapshot.
 *
 * @param key its name
 * @param parent the committed snapshot it was made from, or null
 * @param kind active, view or committed
 * @param created when it was made
 * @param labels free-form labels given at creation
 */
public record SnapshotInfo(
    String key, String parent, Kind kind, Instant created, Map<String, String> labels) {
  public SnapshotInfo {
    labels = Map.copyOf(labels);
  }
}
