package io.strata.store.image;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import io.strata.store.digest.Digest;
import io.strata.store.image.archive.ArrivedAs;
import io.strata.store.image.layer.JsonCodec;
import io.strata.store.image.layer.LayerBlob;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Predicate;

/**
 * What is kept of one image, as the JSON payload of its root {@code img/image/<id hex>}. The config
 * is kept byte for byte, since the image id is its digest; so is each manifest it arrived with,
 * when every layer blob of it can be given back byte for byte (an export then keeps every digest).
 *
 * @param id {@code sha256:} of the config
 * @param config the OCI image config, base64
 * @param layers the chain ids of its layers, bottom first
 * @param oneManifest read only: the one manifest records written before {@code arrivals} kept (as
 *     {@code manifest}), folded into {@code arrivals} and never written again
 * @param oneManifestType read only: its media type ({@code manifestType})
 * @param oneManifestBlobs read only: its layer blobs ({@code blobs})
 * @param arrivals the manifests it arrived with (pulled, pushed to the registry, imported from an
 *     OCI layout), the latest last; none when it was built, committed or loaded from a
 *     docker-archive, or a layer blob could not be kept reproducible
 * @param recorded when this store first recorded the image (RFC 3339, UTC; null in records written
 *     before it was kept): {@code inspect}'s {@code Created} for an image whose config has no time
 *     (an import, a commit), kept here rather than in the config so that the same content still
 *     gives the same id
 */
record ImageRecord(
    String id,
    String config,
    List<String> layers,
    @JsonProperty("manifest") String oneManifest,
    @JsonProperty("manifestType") String oneManifestType,
    @JsonProperty("blobs") List<LayerBlob> oneManifestBlobs,
    List<Arrival> arrivals,
    String recorded) {
  static final String PREFIX = "img/image/";

  ImageRecord {
    layers = List.copyOf(layers);
    List<Arrival> all = new ArrayList<>();
    if (oneManifest != null) {
      all.add(new Arrival(oneManifest, oneManifestType, oneManifestBlobs, null, null));
    }
    if (arrivals != null) {
      all.addAll(arrivals);
    }
    arrivals = List.copyOf(all);
    oneManifest = null;
    oneManifestType = null;
    oneManifestBlobs = null;
  }

  static ImageRecord of(byte[] config, List<String> layers) {
    return new ImageRecord(
        Digest.sha256(config, 0, config.length).toString(),
        Base64.getEncoder().encodeToString(config),
        layers,
        null,
        null,
        null,
        List.of(),
        Instant.now().toString());
  }

  /**
   * This image arrived (again) with {@code a} (null: with no manifest, as a build or a
   * docker-archive makes it), tagged {@code tags}, pulled as {@code pulledAs} (null: not pulled by
   * another digest than the manifest's). The arrival becomes the latest; those that no tag of
   * {@code liveTags} (the image's tags once this is recorded) and no pulled-by reference keeps, and
   * that are not the latest, are dropped, so a record holds no more manifests than names.
   */
  ImageRecord arriving(
      ArrivedAs a, Collection<String> tags, String pulledAs, Collection<String> liveTags) {
    List<Arrival> next = new ArrayList<>();
    String digest =
        a == null ? null : Digest.sha256(a.manifest(), 0, a.manifest().length).toString();
    Arrival same = null;
    for (Arrival e : arrivals) {
      if (e.digest().equals(digest)) {
        same = e;
      } else {
        next.add(e.withoutTags(tags));
      }
    }
    if (a != null) {
      next.add(
          same != null
              ? same.adding(tags, pulledAs == null ? List.of() : List.of(pulledAs))
              : Arrival.of(a, tags, pulledAs));
    }
    return withArrivals(kept(next, liveTags));
  }

  /** This image with tag {@code added} exporting the manifest tag {@code from} does (if any). */
  ImageRecord tagging(String from, String added, Collection<String> liveTags) {
    Arrival source = from == null ? null : arrivalFor(from);
    if (source == null || !source.tags().contains(from)) {
      return withArrivals(arrivals.stream().map(e -> e.withoutTags(List.of(added))).toList());
    }
    List<Arrival> next = new ArrayList<>();
    for (Arrival e : arrivals) {
      next.add(e == source ? e.adding(List.of(added), List.of()) : e.withoutTags(List.of(added)));
    }
    return withArrivals(kept(next, liveTags));
  }

  private static List<Arrival> kept(List<Arrival> all, Collection<String> liveTags) {
    List<Arrival> out = new ArrayList<>();
    for (int i = 0; i < all.size(); i++) {
      Arrival e = all.get(i);
      boolean named = !e.repoDigests().isEmpty() || e.tags().stream().anyMatch(liveTags::contains);
      if (named || i == all.size() - 1) {
        out.add(e);
      }
    }
    return out;
  }

  private ImageRecord withArrivals(List<Arrival> next) {
    return new ImageRecord(id, config, layers, null, null, null, next, recorded);
  }

  /** The latest manifest it arrived with, or null. */
  Arrival latest() {
    return arrivals.isEmpty() ? null : arrivals.get(arrivals.size() - 1);
  }

  /** The manifest tag {@code tag} exports: the one it arrived with, else the latest, or null. */
  Arrival arrivalFor(String tag) {
    for (Arrival e : arrivals) {
      if (e.tags().contains(tag)) {
        return e;
      }
    }
    return latest();
  }

  /** The arrival whose manifest has digest {@code digest} or was pulled as {@code ref}, or null. */
  Arrival arrivalByDigest(String ref, String digest) {
    for (Arrival e : arrivals) {
      if (e.digest().equals(digest) || e.repoDigests().contains(ref)) {
        return e;
      }
    }
    return null;
  }

  /**
   * Docker's {@code RepoDigests} of the image, tagged {@code liveTags}: for each repository one of
   * its tags names, the digest that tag was pulled by, else that of the manifest it exports; and
   * every reference it was pulled by.
   */
  List<String> repoDigests(List<String> liveTags) {
    List<String> out = new ArrayList<>();
    for (String t : liveTags) {
      Arrival e = arrivalFor(t);
      if (e == null) {
        continue;
      }
      String repo = t.substring(0, t.lastIndexOf(':'));
      String pulled = null;
      for (String r : e.repoDigests()) {
        if (r.startsWith(repo + "@")) {
          pulled = r;
        }
      }
      String ref = pulled != null ? pulled : repo + "@" + e.digest();
      if (!out.contains(ref)) {
        out.add(ref);
      }
    }
    for (Arrival e : arrivals) {
      for (String r : e.repoDigests()) {
        if (!out.contains(r)) {
          out.add(r);
        }
      }
    }
    return out;
  }

  /** The {@code REPOSITORY@sha256:...} references it was pulled by (see {@link Arrival}). */
  List<String> pulledBy() {
    List<String> out = new ArrayList<>();
    for (Arrival e : arrivals) {
      for (String r : e.repoDigests()) {
        if (!out.contains(r)) {
          out.add(r);
        }
      }
    }
    return out;
  }

  /**
   * This image no longer pulled by the references {@code gone} takes, tagged {@code liveTags}; a
   * manifest nothing names any more goes unless it is the latest, as in {@link #arriving}.
   */
  ImageRecord withoutPulledBy(Predicate<String> gone, Collection<String> liveTags) {
    List<Arrival> next = new ArrayList<>();
    for (Arrival e : arrivals) {
      List<String> kept = new ArrayList<>(e.repoDigests());
      kept.removeIf(gone);
      next.add(new Arrival(e.manifest(), e.manifestType(), e.blobs(), e.tags(), kept));
    }
    return withArrivals(kept(next, liveTags));
  }

  /** The hex digests of the layer blobs its manifests name, those of {@code form} (null: all). */
  Set<String> layerBlobs(String form) {
    Set<String> out = new HashSet<>();
    for (Arrival e : arrivals) {
      if (e.blobs() != null) {
        for (LayerBlob b : e.blobs()) {
          if (form == null || form.equals(b.form())) {
            out.add(b.digest().substring(b.digest().indexOf(':') + 1));
          }
        }
      }
    }
    return out;
  }

  /**
   * When the image was made, as docker's {@code Created} shows it: its config's {@code created} (a
   * build's, a pull's), else the time this store recorded it, else (a record older than that, of a
   * config without a time) null.
   */
  String created() {
    String t = JsonCodec.object(configBytes(), "config of image " + id).path("created").asText("");
    return t.isEmpty() ? recorded : t;
  }

  /**
   * The labels of its config ({@code config.Labels}, which a Dockerfile's {@code LABEL} sets), in
   * key order; empty when it has none.
   */
  Map<String, String> labels() {
    JsonNode l =
        JsonCodec.object(configBytes(), "config of image " + id).path("config").path("Labels");
    Map<String, String> out = new TreeMap<>();
    l.properties().forEach(e -> out.put(e.getKey(), e.getValue().asText("")));
    return out;
  }

  byte[] configBytes() {
    return Base64.getDecoder().decode(config);
  }

  static String rootName(String id) {
    return PREFIX + id.substring(id.indexOf(':') + 1);
  }
}
