package io.strata.store.image;

import java.util.List;

/**
 * What {@code strata image inspect} shows.
 *
 * @param id the image id
 * @param repoTags its tags
 * @param repoDigests {@code REPOSITORY@sha256:...} for each of its repositories, when it keeps the
 *     manifest it arrived with (pulled, pushed to the registry, imported from an OCI layout)
 * @param layers the diff_ids of its layers, bottom first
 * @param config the OCI image config, as stored (JSON)
 * @param topLayer the chain id of its top layer, the snapshot a container is prepared from (null
 *     for an image without layers)
 * @param created docker's {@code Created} (RFC 3339): the config's time, else when this store
 *     recorded the image; null when neither is known (a record older than that)
 */
public record ImageDetails(
    String id,
    List<String> repoTags,
    List<String> repoDigests,
    List<String> layers,
    String config,
    String topLayer,
    String created) {
  public ImageDetails {
    repoTags = List.copyOf(repoTags);
    repoDigests = List.copyOf(repoDigests);
    layers = List.copyOf(layers);
  }
}
