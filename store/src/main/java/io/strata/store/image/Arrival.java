package io.strata.store.image;

import io.strata.store.digest.Digest;
import io.strata.store.image.archive.ArrivedAs;
import io.strata.store.image.layer.LayerBlob;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.List;

/**
 * One manifest an image arrived with, as its record keeps it (JSON, in {@link ImageRecord}): an
 * image pulled from two repositories, or as the gzip and the uncompressed form of one image, has
 * one each, and each tag exports the manifest it arrived with, as docker keeps a digest per
 * repository.
 *
 * @param manifest the manifest, base64 of its bytes
 * @param manifestType its media type
 * @param blobs how each layer blob comes back, bottom first
 * @param tags the tags that arrived with it ({@code repository:tag}); a tag may have moved to
 *     another image or manifest since, so only those the image still has count
 * @param repoDigests the {@code REPOSITORY@sha256:...} references it was pulled by, when the
 *     registry named it by another digest than its manifest's (a multi-platform index) or it was
 *     pulled by digest: docker's {@code RepoDigests} for that repository
 */
record Arrival(
    String manifest,
    String manifestType,
    List<LayerBlob> blobs,
    List<String> tags,
    List<String> repoDigests) {
  Arrival {
    blobs = blobs == null ? null : List.copyOf(blobs);
    tags = tags == null ? List.of() : List.copyOf(tags);
    repoDigests = repoDigests == null ? List.of() : List.copyOf(repoDigests);
  }

  static Arrival of(ArrivedAs a, Collection<String> tags, String pulledAs) {
    return new Arrival(
        Base64.getEncoder().encodeToString(a.manifest()),
        a.type(),
        a.blobs(),
        List.copyOf(tags),
        pulledAs == null ? List.of() : List.of(pulledAs));
  }

  byte[] manifestBytes() {
    return Base64.getDecoder().decode(manifest);
  }

  /** The manifest's digest, {@code sha256:...}. */
  String digest() {
    byte[] m = manifestBytes();
    return Digest.sha256(m, 0, m.length).toString();
  }

  ArrivedAs arrivedAs() {
    return new ArrivedAs(manifestBytes(), manifestType, blobs);
  }

  /** This arrival with {@code more} tags and pulled-by references added (each once). */
  Arrival adding(Collection<String> moreTags, Collection<String> morePulledAs) {
    return new Arrival(
        manifest, manifestType, blobs, union(tags, moreTags), union(repoDigests, morePulledAs));
  }

  /** This arrival without {@code gone} among its tags. */
  Arrival withoutTags(Collection<String> gone) {
    List<String> kept = new ArrayList<>(tags);
    kept.removeAll(gone);
    return new Arrival(manifest, manifestType, blobs, kept, repoDigests);
  }

  private static List<String> union(List<String> a, Collection<String> b) {
    List<String> out = new ArrayList<>(a);
    for (String s : b) {
      if (!out.contains(s)) {
        out.add(s);
      }
    }
    return out;
  }
}
