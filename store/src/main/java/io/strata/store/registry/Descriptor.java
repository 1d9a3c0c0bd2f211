package io.strata.store.registry;

import io.strata.store.digest.Digest;
import java.util.Map;
import java.util.Objects;

/**
 * A manifest as an index or the referrers API describes it.
 *
 * @param mediaType its media type
 * @param digest its digest
 * @param size its length in bytes
 * @param artifactType its artifact type (the manifest's own, else its config's), or null
 * @param subject the manifest it refers to, or null
 * @param annotations its annotations
 */
public record Descriptor(
    String mediaType,
    Digest digest,
    long size,
    String artifactType,
    Digest subject,
    Map<String, String> annotations) {
  public Descriptor {
    Objects.requireNonNull(mediaType);
    Objects.requireNonNull(digest);
    annotations = Map.copyOf(annotations);
  }
}
