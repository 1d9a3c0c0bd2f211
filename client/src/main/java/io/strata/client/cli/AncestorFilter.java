package io.strata.client.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.strata.client.StrataClient;
import io.strata.client.StrataClientException;
import io.strata.protocol.Status;
import io.strata.protocol.message.ContainerItem;
import io.strata.protocol.message.InspectReply;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * {@code ps --filter ancestor=IMAGE} as docker reads it: IMAGE (a name, an id or an id prefix) is
 * resolved to an image, and a container matches if its image is that image or is built on it.
 * docker follows its images' parent links, which only its own builds record; here an image is built
 * on IMAGE when its layers begin with all of IMAGE's and its config's history begins with all of
 * IMAGE's (a build or a commit copies its base's history and appends its steps), so an image with
 * IMAGE's layers but other steps (a sibling {@code FROM base} + {@code LABEL}) does not count. The
 * name a container was created with plays no part, since the tag may since have moved to another
 * image. A name that resolves to no image matches nothing, as in docker. Each image is asked for
 * once per listing.
 */
final class AncestorFilter {
  private final StrataClient client;
  private final Map<String, Optional<InspectReply>> images = new HashMap<>();

  AncestorFilter(StrataClient client) {
    this.client = client;
  }

  /**
   * Refuses an {@code ancestor=} without a value in the filter's words (not the server's about an
   * image.inspect argument, AA6), before the listing, so that it is refused with no container too.
   */
  static void check(List<String> filters) {
    if (filters.contains("ancestor=")) {
      throw new UsageError("invalid filter 'ancestor=': expected an image name, id or id prefix");
    }
  }

  /**
   * Whether container {@code c} descends from image {@code ancestor} (not empty: {@link #check}).
   */
  boolean matches(ContainerItem c, String ancestor) {
    Optional<InspectReply> given = image(ancestor);
    if (given.isEmpty() || c.imageId() == null) {
      return false;
    }
    if (given.get().id().equals(c.imageId())) {
      return true;
    }
    Optional<InspectReply> own = image(c.imageId());
    return !given.get().layers().isEmpty()
        && own.isPresent()
        && startsWith(own.get().layers(), given.get().layers())
        && startsWith(history(own.get()), history(given.get()));
  }

  private static <T> boolean startsWith(List<T> list, List<T> prefix) {
    return list.size() >= prefix.size() && list.subList(0, prefix.size()).equals(prefix);
  }

  /** The config's history entries (JSON objects, compared whole), oldest first. */
  private static List<JsonNode> history(InspectReply image) {
    JsonNode h = image.config() == null ? null : image.config().get("history");
    List<JsonNode> entries = new ArrayList<>();
    if (h != null && h.isArray()) {
      h.forEach(entries::add);
    }
    return entries;
  }

  private Optional<InspectReply> image(String ref) {
    return images.computeIfAbsent(
        ref,
        r -> {
          try {
            return Optional.of(client.inspect(r));
          } catch (StrataClientException e) {
            if (e.status() == Status.NOT_FOUND) {
              return Optional.empty();
            }
            throw new UncheckedIOException(e);
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          }
        });
  }
}
