package io.strata.protocol.filter;

import java.util.Map;

/**
 * One {@code label=KEY} or {@code label=KEY=VALUE} (also after {@code label!=}): an object matches
 * when its labels have KEY, and with VALUE when KEY's value is exactly VALUE.
 *
 * @param key the label's key
 * @param value the value it must have, or null for any
 */
public record LabelFilter(String key, String value) {
  /**
   * {@code KEY} or {@code KEY=VALUE}, as given after {@code filter=} ({@code label} or {@code
   * label!}); an {@link IllegalArgumentException} naming the filter for an empty KEY.
   */
  public static LabelFilter parse(String filter, String spec) {
    int eq = spec.indexOf('=');
    String key = eq < 0 ? spec : spec.substring(0, eq);
    if (key.isEmpty()) {
      throw new IllegalArgumentException(
          "invalid filter '" + filter + "=" + spec + "': expected KEY or KEY=VALUE");
    }
    return new LabelFilter(key, eq < 0 ? null : spec.substring(eq + 1));
  }

  /** Whether {@code labels} (none: null or empty) have this key, with this value if given. */
  public boolean matches(Map<String, String> labels) {
    if (labels == null || !labels.containsKey(key)) {
      return false;
    }
    return value == null || value.equals(labels.get(key));
  }

  /** As given: {@code KEY} or {@code KEY=VALUE}. */
  @Override
  public String toString() {
    return value == null ? key : key + "=" + value;
  }
}
