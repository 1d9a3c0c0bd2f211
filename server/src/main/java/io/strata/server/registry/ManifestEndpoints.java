package io.strata.server.registry;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.strata.store.digest.Digest;
import io.strata.store.error.InvalidArgumentException;
import io.strata.store.error.NotFoundException;
import io.strata.store.registry.Descriptor;
import io.strata.store.registry.ManifestDocument;
import io.strata.store.registry.Names;
import io.strata.store.registry.RegistryStore;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Manifests by tag or digest (GET, HEAD, PUT, DELETE), the tag list with {@code n}/{@code last}
 * pagination, and the referrers API. A manifest PUT is checked (its JSON, its digest when pushed by
 * digest, the blobs and manifests it references) before it is stored, byte for byte.
 */
final class ManifestEndpoints {
  private static final ObjectMapper MAPPER = new ObjectMapper();

  /**
   * How long a tagged push of a small image waits for its import before answering, so that it is a
   * Strata image when the push returns.
   */
  static final Duration IMPORT_WAIT = Duration.ofMillis(250);

  /**
   * The most bytes of blobs an image may have for its push to wait for the import: a larger one
   * answers at once and goes on importing after (its import could not end within the wait anyway,
   * and the wait would only make the push slower than the registry part of it).
   */
  static final long SMALL_IMAGE = 8 << 20;

  private final RegistryStore store;
  private final ImageBridge bridge;
  private final ChunkIndexMaker indexes;

  /**
   * @param indexes makes the chunk-index artifact of each manifest stored, once its layers settle
   */
  ManifestEndpoints(RegistryStore store, ImageBridge bridge, ChunkIndexMaker indexes) {
    this.store = store;
    this.bridge = bridge;
    this.indexes = indexes;
  }

  /**
   * @param publishChallenge null when the request may publish a Strata image into the registry (it
   *     carries the token, or none is needed); else the challenge a GET or HEAD that would publish
   *     is refused with (401), as a push would be
   */
  Body manifest(Exchange x, String publishChallenge) {
    String repo = x.route().name();
    String ref = x.route().reference();
    HttpMethod m = x.request().method();
    if (m.equals(HttpMethod.GET) || m.equals(HttpMethod.HEAD)) {
      boolean head = m.equals(HttpMethod.HEAD);
      return Body.ignored(() -> x.async(() -> get(repo, ref, head, publishChallenge)));
    }
    if (m.equals(HttpMethod.PUT)) {
      String length = x.header(HttpHeaderNames.CONTENT_LENGTH);
      RegistryError tooLarge =
          new RegistryError(
              HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE,
              "SIZE_INVALID",
              "manifest "
                  + repo
                  + ":"
                  + ref
                  + ": larger than "
                  + ManifestDocument.MAX_BYTES
                  + " bytes");
      if (length != null && parseLong(length) > ManifestDocument.MAX_BYTES) {
        throw tooLarge;
      }
      String type = x.header(HttpHeaderNames.CONTENT_TYPE);
      bridge.manifestPushed();
      return Body.buffered(
          ManifestDocument.MAX_BYTES, tooLarge, body -> x.async(() -> put(repo, ref, type, body)));
    }
    if (m.equals(HttpMethod.DELETE)) {
      return Body.ignored(
          () ->
              x.async(
                  () -> {
                    try {
                      bridge.removed(
                          repo, store.tagsDeletedWith(repo, ref), bridge.imageIdOf(repo, ref));
                      store.deleteManifest(repo, ref);
                    } catch (NotFoundException e) {
                      throw RegistryError.manifestUnknown(e.getMessage());
                    }
                    return Replies.empty(HttpResponseStatus.ACCEPTED);
                  }));
    }
    throw RegistryError.unsupported(m + " of a manifest is not supported");
  }

  private FullHttpResponse get(String repo, String ref, boolean head, String publishChallenge)
      throws IOException {
    Descriptor d;
    try {
      d = store.manifest(repo, ref);
    } catch (NotFoundException e) {
      if (publishChallenge != null) {
        // no fetch from a shared store either: that is a write too
        if (bridge.holdsImage(repo, ref)) {
          throw RegistryError.unauthorized(
              "manifest "
                  + repo
                  + (Names.isDigest(ref) ? "@" : ":")
                  + ref
                  + ": publishing the Strata image of that name into the registry needs the"
                  + " token",
              publishChallenge);
        }
        throw RegistryError.manifestUnknown(e.getMessage());
      }
      try {
        d = bridge.publish(repo, ref);
      } catch (NotFoundException | InvalidArgumentException e2) {
        throw RegistryError.manifestUnknown(e.getMessage());
      }
      indexes.stored(repo, d);
    }
    byte[] body = store.manifestBytes(d);
    FullHttpResponse r =
        Replies.of(HttpResponseStatus.OK, head ? new byte[0] : body, d.mediaType());
    r.headers()
        .set(HttpHeaderNames.CONTENT_LENGTH, body.length)
        .set(Replies.CONTENT_DIGEST, d.digest().toString());
    return r;
  }

  private FullHttpResponse put(String repo, String ref, String type, byte[] body)
      throws IOException {
    bridge.manifestPushed();
    Digest digest = Digest.sha256(body, 0, body.length);
    if (Names.isDigest(ref) && !Digest.parse(ref).equals(digest)) {
      throw RegistryError.digestInvalid(
          "manifest " + repo + "@" + ref + ": content has digest " + digest);
    }
    String tag = Names.isDigest(ref) ? null : ref;
    Descriptor d;
    ManifestDocument doc;
    try {
      // refused as distribution refuses it, before anything is stored: a Content-Type that is no
      // manifest type or that the body contradicts would have a tag served as what it is not
      doc = ManifestDocument.pushed(body, type, "manifest " + repo + ":" + ref);
      d = store.putManifest(repo, tag, body, doc.mediaType(), true);
      indexes.stored(repo, d);
    } catch (NotFoundException e) {
      throw new RegistryError(
          HttpResponseStatus.BAD_REQUEST, "MANIFEST_BLOB_UNKNOWN", e.getMessage());
    } catch (InvalidArgumentException e) {
      throw new RegistryError(HttpResponseStatus.BAD_REQUEST, "MANIFEST_INVALID", e.getMessage());
    }
    if (tag != null) {
      // the manifest is stored, its import recorded as pending: the push stands whatever becomes
      // of the import, which logs its own failures and is tried again when they pass
      boolean small;
      try {
        small = bridge.imageBytes(repo, doc) <= SMALL_IMAGE;
      } catch (IOException | RuntimeException e) {
        small = false; // the import meets it again, and says so
      }
      try {
        CompletableFuture<Void> imported = bridge.importLater(repo, tag, d, doc, small);
        if (small) {
          imported.get(IMPORT_WAIT.toMillis(), TimeUnit.MILLISECONDS);
        }
      } catch (TimeoutException | ExecutionException e) {
        // a large image goes on importing; the push itself is done
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    FullHttpResponse r = Replies.empty(HttpResponseStatus.CREATED);
    r.headers()
        .set(HttpHeaderNames.LOCATION, "/v2/" + repo + "/manifests/" + digest)
        .set(Replies.CONTENT_DIGEST, digest.toString());
    if (d.subject() != null) {
      r.headers().set("OCI-Subject", d.subject().toString());
    }
    return r;
  }

  Body tags(Exchange x) {
    String repo = x.route().name();
    if (!x.request().method().equals(HttpMethod.GET)) {
      throw RegistryError.unsupported(x.request().method() + " of a tag list is not supported");
    }
    String nText = x.param("n");
    String last = x.param("last");
    return Body.ignored(
        () -> {
          List<String> all = store.tags(repo);
          if (all.isEmpty() && !store.exists(repo)) {
            throw new RegistryError(
                HttpResponseStatus.NOT_FOUND, "NAME_UNKNOWN", "repository " + repo + " not found");
          }
          int n =
              nText == null
                  ? Integer.MAX_VALUE
                  : (int) Math.min(Integer.MAX_VALUE, parseLong(nText));
          List<String> after =
              all.stream().filter(t -> last == null || t.compareTo(last) > 0).toList();
          List<String> page = after.subList(0, Math.min(n, after.size()));
          ObjectNode o = MAPPER.createObjectNode().put("name", repo);
          ArrayNode a = o.putArray("tags");
          page.forEach(a::add);
          FullHttpResponse r = Replies.json(HttpResponseStatus.OK, o.toString());
          if (page.size() < after.size() && !page.isEmpty()) {
            r.headers()
                .set(
                    "Link",
                    "</v2/"
                        + repo
                        + "/tags/list?n="
                        + n
                        + "&last="
                        + page.get(page.size() - 1)
                        + ">; rel=\"next\"");
          }
          x.reply(r);
        });
  }

  Body referrers(Exchange x) {
    String repo = x.route().name();
    Digest subject = Digest.parse(x.route().reference());
    String artifactType = x.param("artifactType");
    if (!x.request().method().equals(HttpMethod.GET)) {
      throw RegistryError.unsupported(x.request().method() + " of referrers is not supported");
    }
    // read-only: a chunk index is made when its image settles (ChunkIndexMaker), never here
    return Body.ignored(() -> x.async(() -> referrerList(repo, subject, artifactType)));
  }

  private FullHttpResponse referrerList(String repo, Digest subject, String artifactType) {
    ObjectNode index =
        MAPPER
            .createObjectNode()
            .put("schemaVersion", 2)
            .put("mediaType", ManifestDocument.OCI_INDEX);
    ArrayNode list = index.putArray("manifests");
    for (Descriptor d : store.referrers(repo, subject, artifactType)) {
      ObjectNode e =
          list.addObject()
              .put("mediaType", d.mediaType())
              .put("digest", d.digest().toString())
              .put("size", d.size());
      if (d.artifactType() != null) {
        e.put("artifactType", d.artifactType());
      }
      if (!d.annotations().isEmpty()) {
        ObjectNode a = e.putObject("annotations");
        d.annotations().forEach(a::put);
      }
    }
    FullHttpResponse r =
        Replies.of(
            HttpResponseStatus.OK,
            index.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8),
            ManifestDocument.OCI_INDEX);
    if (artifactType != null) {
      r.headers().set("OCI-Filters-Applied", "artifactType");
    }
    return r;
  }

  private static long parseLong(String text) {
    try {
      long v = Long.parseLong(text.trim());
      if (v < 0) {
        throw new NumberFormatException();
      }
      return v;
    } catch (NumberFormatException e) {
      throw new RegistryError(
          HttpResponseStatus.BAD_REQUEST,
          "PAGINATION_NUMBER_INVALID",
          "number " + text + ": not a count");
    }
  }
}
