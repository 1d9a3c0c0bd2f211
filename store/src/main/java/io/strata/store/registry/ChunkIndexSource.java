package io.strata.store.registry;

import io.strata.store.digest.Digest;
import java.io.IOException;
import java.io.OutputStream;

/**
 * What a Strata-to-Strata pull needs of the registry it pulls from, one repository of it: the
 * distribution API's manifests, referrers and blobs, and Strata's chunk request. The caller
 * verifies everything it receives; an implementation only moves bytes and maps the registry's
 * refusals to errors naming what was asked.
 */
public interface ChunkIndexSource {
  /** How errors name the registry and repository ({@code registry HOST/REPO}). */
  String name();

  /**
   * A manifest and the media type it was served with.
   *
   * @param body its bytes (at most {@link ManifestDocument#MAX_BYTES})
   * @param mediaType the {@code Content-Type} it came with, or its own {@code mediaType}
   */
  record Manifest(byte[] body, String mediaType) {}

  /** Manifest {@code reference} (a tag or digest). */
  Manifest manifest(String reference) throws IOException;

  /**
   * The referrers index of manifest {@code subject}, filtered by {@code artifactType} if the
   * registry can; null when the registry has no referrers API (404).
   */
  byte[] referrers(Digest subject, String artifactType) throws IOException;

  /** Writes blob {@code digest} to {@code out}; returns its length. */
  long blob(Digest digest, OutputStream out) throws IOException;

  /**
   * Sends the chunk request {@code request} (its {@link ChunkRequest#encode} form) and writes the
   * chunk records that answer to {@code out}; returns their length.
   */
  long chunks(byte[] request, OutputStream out) throws IOException;
}
