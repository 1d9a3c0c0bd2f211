package io.strata.client.cli;

import io.strata.client.StrataClientException;
import io.strata.protocol.Status;
import io.strata.protocol.filter.LabelFilter;
import io.strata.protocol.filter.Until;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * A prune's {@code --filter until=TIME}, {@code label=KEY[=VALUE]}, {@code label!=KEY[=VALUE]},
 * checked here before anything is asked (a bad one is a usage error naming it, and nothing is
 * removed) and sent as given for the server to apply where it removes: the client never lists and
 * then removes, which would race with changes in between.
 */
final class PruneFilters {
  /** The filter keys of the container and image prunes. */
  static final Set<String> UNTIL_AND_LABELS = Set.of("until", "label", "label!");

  String until;
  final List<String> labels = new ArrayList<>();
  final List<String> notLabels = new ArrayList<>();

  private PruneFilters() {}

  /**
   * {@code filters} of {@code command} (its name, for messages), whose keys must be among {@code
   * keys}; a {@link UsageError} naming the first bad one.
   */
  static PruneFilters parse(List<String> filters, String command, Set<String> keys) {
    PruneFilters p = new PruneFilters();
    for (String f : filters) {
      int eq = f.indexOf('=');
      String key = eq > 0 ? f.substring(0, eq) : f;
      String value = eq > 0 ? f.substring(eq + 1) : "";
      if (eq <= 0 || !keys.contains(key)) {
        throw new UsageError("invalid filter '" + f + "': " + command + " takes " + expected(keys));
      }
      try {
        switch (key) {
          case "until" -> {
            if (p.until != null) {
              throw new UsageError(
                  "invalid filter '" + f + "': until= given twice (after until=" + p.until + ")");
            }
            Until.parse(value, Instant.now());
            p.until = value;
          }
          case "label" -> p.labels.add(LabelFilter.parse(key, value).toString());
          case "label!" -> p.notLabels.add(LabelFilter.parse(key, value).toString());
          default -> {} // a key its command reads itself (volume prune's all=, dangling=)
        }
      } catch (UsageError e) {
        throw e;
      } catch (IllegalArgumentException e) {
        throw new UsageError(e.getMessage());
      }
    }
    return p;
  }

  private static String expected(Set<String> keys) {
    List<String> named = new ArrayList<>();
    for (String k : List.of("until", "label", "label!", "dangling", "all")) {
      if (keys.contains(k)) {
        named.add(k + "=");
      }
    }
    return named.isEmpty() ? "no filter" : String.join(", ", named);
  }

  /** Whether any filter was given. */
  boolean any() {
    return until != null || !labels.isEmpty() || !notLabels.isEmpty();
  }

  /**
   * Rethrows {@code e}, a server's answer to a prune request, as the refusal of a filtered prune
   * when the server is older than the request ({@code UNIMPLEMENTED}): it could not apply the
   * filter, and the client does not filter a prune itself. Else returns, for the caller to fall
   * back to the unfiltered prune an older server still serves.
   */
  void refuseUnserved(StrataClientException e, String command) throws IOException {
    if (e.status() != Status.UNIMPLEMENTED) {
      throw e;
    }
    if (any()) {
      throw new IOException(
          command
              + " --filter: this server is older than the client and cannot apply the filter"
              + " (it has no "
              + command.replace(' ', '.')
              + " request); nothing was removed: upgrade stratad");
    }
  }
}
