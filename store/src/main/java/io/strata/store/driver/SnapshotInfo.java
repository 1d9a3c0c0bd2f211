package io.strata.store.driver;

import java.time.Instant;
import java.util.Map;

/**
 * What a driver knows of one snapshot.
 *
 * @param key its name
 * @param parent the committed snapshot it was made from, or null
 * @param kind active, view or committed
 * @param created when it was made; for a committed snapshot, when it was committed
 * @param updated when its labels last changed; equal to {@code created} until then
 * @param labels free-form labels, given at creation or commit, changed by {@code relabel}
 */
public record SnapshotInfo(
    String key,
    String parent,
    Kind kind,
    Instant created,
    Instant updated,
    Map<String, String> labels) {
  public SnapshotInfo {
    labels = Map.copyOf(labels);
  }
}
