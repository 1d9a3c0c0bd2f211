package io.strata.protocol.message;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;

/**
 * The answer of {@code image.inspect}; the keys of {@code strata image inspect}.
 *
 * @param id the image id
 * @param repoTags its tags
 * @param repoDigests {@code REPOSITORY@sha256:...} of the manifest it arrived with, per repository
 * @param layers the diff_ids of its layers, bottom first
 * @param config the OCI image config
 * @param topLayer the chain id of its top layer (null for an image without layers)
 * @param created docker's {@code Created} (RFC 3339): the config's time, else when the server
 *     recorded the image; absent when neither is known
 */
public record InspectReply(
    String id,
    List<String> repoTags,
    List<String> repoDigests,
    List<String> layers,
    JsonNode config,
    String topLayer,
    @com.fasterxml.jackson.annotation.JsonInclude(
            com.fasterxml.jackson.annotation.JsonInclude.Include.NON_NULL)
        String created) {
  public InspectReply {
    repoTags = repoTags == null ? List.of() : List.copyOf(repoTags);
    repoDigests = repoDigests == null ? List.of() : List.copyOf(repoDigests);
    layers = layers == null ? List.of() : List.copyOf(layers);
  }
}
