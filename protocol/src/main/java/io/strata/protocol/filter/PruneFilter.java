package io.strata.protocol.filter;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * A prune's {@code --filter until=} and {@code label=}/{@code label!=}: an object is pruned only
 * when it was created before {@code until} (if given) and matches every {@code label=} and no
 * {@code label!=}. An object whose creation time is unknown is never before {@code until}: a filter
 * may only narrow a prune. (docker keeps an object only when it matches every {@code label!=}; here
 * any one keeps it, the narrower of the two readings.)
 *
 * @param until the latest creation time pruned (exclusive), or null for any
 * @param labels every one must match
 * @param notLabels none may match
 */
public record PruneFilter(Instant until, List<LabelFilter> labels, List<LabelFilter> notLabels) {
  public PruneFilter {
    labels = labels == null ? List.of() : List.copyOf(labels);
    notLabels = notLabels == null ? List.of() : List.copyOf(notLabels);
  }

  /**
   * The filter the wire's fields name: {@code until} as {@link Until} reads it (durations back from
   * {@code now}), label specs {@code KEY[=VALUE]}. An {@link IllegalArgumentException} naming the
   * filter for a bad one.
   */
  public static PruneFilter of(
      String until, List<String> labels, List<String> notLabels, Instant now) {
    return new PruneFilter(
        until == null ? null : Until.parse(until, now),
        labels == null
            ? List.of()
            : labels.stream().map(l -> LabelFilter.parse("label", l)).toList(),
        notLabels == null
            ? List.of()
            : notLabels.stream().map(l -> LabelFilter.parse("label!", l)).toList());
  }

  /** Whether an object created at {@code created} (null: unknown) with {@code labels} is pruned. */
  public boolean matches(Instant created, Map<String, String> labels) {
    if (until != null && (created == null || !created.isBefore(until))) {
      return false;
    }
    return labels().stream().allMatch(l -> l.matches(labels))
        && notLabels().stream().noneMatch(l -> l.matches(labels));
  }

  /** {@code created} (RFC 3339, or null or unreadable: unknown) as an instant, or null. */
  public static Instant instant(String created) {
    if (created == null || created.isEmpty()) {
      return null;
    }
    try {
      return java.time.OffsetDateTime.parse(created).toInstant();
    } catch (java.time.format.DateTimeParseException e) {
      return null;
    }
  }
}
