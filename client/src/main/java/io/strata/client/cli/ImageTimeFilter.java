package io.strata.client.cli;

import io.strata.client.StrataClient;
import io.strata.protocol.filter.LabelFilter;
import io.strata.protocol.filter.PruneFilter;
import io.strata.protocol.message.ImageItem;
import java.io.IOException;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * {@code images --filter before=IMAGE} and {@code since=IMAGE} as docker reads them: IMAGE (a name,
 * an id or an id prefix) is resolved to an image, which must exist (as in docker: an error, not an
 * empty listing), and an image matches when it was created strictly before (after) it. An image
 * whose creation time is unknown (a record older than the time kept) matches neither. Each IMAGE is
 * asked for once per listing.
 */
final class ImageTimeFilter {
  private final StrataClient client;
  private final Map<String, Optional<Instant>> given = new HashMap<>();

  ImageTimeFilter(StrataClient client) {
    this.client = client;
  }

  /**
   * Refuses, before the listing, a {@code before=} or {@code since=} without an image, and a label
   * filter without a key (a usage error naming the filter).
   */
  static void check(List<String> filters) {
    for (String f : filters) {
      if (f.equals("before=") || f.equals("since=")) {
        throw new UsageError("invalid filter '" + f + "': expected an image name, id or id prefix");
      }
      if (f.startsWith("label=")) {
        try {
          LabelFilter.parse("label", f.substring("label=".length()));
        } catch (IllegalArgumentException e) {
          throw new UsageError(e.getMessage());
        }
      }
    }
  }

  /**
   * Refuses the listing of an older server, whose rows carry no creation time or labels: every row
   * of a server that sends them has labels, empty or not. A failed operation, not a usage error.
   */
  static void needTimesAndLabels(List<String> filters, List<ImageItem> items) throws IOException {
    boolean asked =
        filters.stream()
            .anyMatch(
                f -> f.startsWith("before=") || f.startsWith("since=") || f.startsWith("label="));
    if (asked && items.stream().anyMatch(i -> i.labels() == null)) {
      throw new IOException(
          "images --filter: this server is older than the client and lists no creation times or"
              + " labels, which before=, since= and label= need: upgrade stratad");
    }
  }

  boolean before(ImageItem i, String image) {
    Instant own = PruneFilter.instant(i.created());
    Optional<Instant> t = created(image);
    return own != null && t.isPresent() && own.isBefore(t.get());
  }

  boolean since(ImageItem i, String image) {
    Instant own = PruneFilter.instant(i.created());
    Optional<Instant> t = created(image);
    return own != null && t.isPresent() && own.isAfter(t.get());
  }

  /**
   * Resolves every image {@code filters} name after {@code before=} or {@code since=}, before the
   * listing is filtered, so that one that does not exist fails the command as the server words it.
   */
  ImageTimeFilter resolve(List<String> filters) throws IOException {
    for (String f : filters) {
      int eq = f.indexOf('=');
      String key = eq < 0 ? f : f.substring(0, eq);
      if (key.equals("before") || key.equals("since")) {
        String image = f.substring(eq + 1);
        if (!given.containsKey(image)) {
          given.put(
              image, Optional.ofNullable(PruneFilter.instant(client.inspect(image).created())));
        }
      }
    }
    return this;
  }

  private Optional<Instant> created(String image) {
    return given.getOrDefault(image, Optional.empty());
  }
}
