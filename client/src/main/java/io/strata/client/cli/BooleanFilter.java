package io.strata.client.cli;

import java.util.List;
import java.util.Locale;

/**
 * The value of a yes-or-no {@code --filter} such as {@code dangling=}, read as docker reads it:
 * {@code true} or {@code false} in any case, {@code 1} or {@code 0}; anything else is refused, so
 * that a typo does not quietly list the opposite.
 */
final class BooleanFilter {
  private BooleanFilter() {}

  /**
   * Refuses (a usage error) every {@code KEY=VALUE} among {@code filters} whose value is not a
   * boolean: checked before the listing is filtered, so an empty listing refuses it too. A {@link
   * UsageError}, which the picocli path and the quick path ({@link QuickCommand}) report alike.
   */
  static void check(List<String> filters, String key) {
    for (String f : filters) {
      if (f.startsWith(key + "=")) {
        value(key, f.substring(key.length() + 1));
      }
    }
  }

  /** {@code value} as a boolean, or a usage error naming the filter. */
  static boolean value(String key, String value) {
    return switch (value.toLowerCase(Locale.ROOT)) {
      case "true", "1" -> true;
      case "false", "0" -> false;
      default ->
          throw new UsageError(
              "invalid filter '" + key + "=" + value + "': expected true, false, 1 or 0");
    };
  }
}
