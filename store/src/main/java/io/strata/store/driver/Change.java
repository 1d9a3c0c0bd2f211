package io.strata.store.driver;

/**
 * One difference between a snapshot and its parent, as {@code docker diff} prints it.
 *
 * @param kind {@code A} added, {@code C} changed, {@code D} deleted
 * @param path the path, absolute
 */
public record Change(char kind, String path) {
  public Change {
    if (kind != 'A' && kind != 'C' && kind != 'D') {
      throw new IllegalArgumentException("change kind " + kind);
    }
  }

  @Override
  public String toString() {
    return kind + " " + path;
  }
}
