package io.strata.client.cli;

import io.strata.client.StrataClient;
import io.strata.client.StrataClientException;
import io.strata.protocol.Status;
import io.strata.protocol.message.ContainerItem;
import io.strata.protocol.message.InspectReply;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * {@code ps --filter ancestor=IMAGE} as docker reads it: IMAGE (a name, an id or an id prefix) is
 * resolved to an image, and a container matches if its image is that image or is built on it: its
 * layers begin with all of that image's layers. The name a container was created with plays no
 * part, since the tag may since have moved to another image. A name that resolves to no image
 * matches nothing, as in docker. Each image is asked for once per listing.
 */
final class AncestorFilter {
  private final StrataClient client;
  private final Map<String, Optional<InspectReply>> images = new HashMap<>();

  AncestorFilter(StrataClient client) {
    this.client = client;
  }

  /** Whether container {@code c} descends from image {@code ancestor}. */
  boolean matches(ContainerItem c, String ancestor) {
    Optional<InspectReply> given = image(ancestor);
    if (given.isEmpty() || c.imageId() == null) {
      return false;
    }
    if (given.get().id().equals(c.imageId())) {
      return true;
    }
    List<String> base = given.get().layers();
    Optional<InspectReply> own = image(c.imageId());
    return !base.isEmpty()
        && own.isPresent()
        && own.get().layers().size() >= base.size()
        && own.get().layers().subList(0, base.size()).equals(base);
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
