package io.strata.client.cli;

/**
 * The short form of ids that listings print. Not in {@link ImageCommand}, where it was: loading a
 * command group loads picocli, which the quick path ({@link QuickCommand}) does without.
 */
final class ShortId {
  private ShortId() {}

  /** The short form of an id Docker prints: 12 hex digits without {@code sha256:}. */
  static String of(String id) {
    String hex = id.startsWith("sha256:") ? id.substring(7) : id;
    return hex.length() > 12 ? hex.substring(0, 12) : hex;
  }
}
