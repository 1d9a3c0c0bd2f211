package io.strata.server.registry;

import io.strata.store.registry.Names;

/**
 * A parsed {@code /v2/} request path. The name is everything between {@code /v2/} and the
 * endpoint's own segments, so repository names may hold slashes (and even the word {@code
 * manifests}); it must match the spec's grammar, which keeps {@code ..}, empty segments and escapes
 * out of it.
 *
 * @param kind which endpoint
 * @param name the repository name ({@code ""} for {@link Kind#BASE} and {@link Kind#TOKEN})
 * @param reference a tag or digest (manifests), a digest (blobs, referrers), an upload id (uploads,
 *     {@code ""} to start one), or {@code ""}
 */
record Route(Route.Kind kind, String name, String reference) {
  /** The endpoints. */
  enum Kind {
    BASE,
    TOKEN,
    MANIFEST,
    BLOB,
    UPLOAD,
    TAGS,
    REFERRERS,
    /** Strata's chunk request ({@code POST /v2/NAME/_strata/chunks}): Strata-to-Strata pulls. */
    CHUNKS
  }

  /** The token endpoint of the bearer-token flow. */
  static final String TOKEN_PATH = "/v2/token";

  /** Parses the path part of a request target (no query); refused with a {@link RegistryError}. */
  static Route parse(String path) {
    if (path.equals("/v2/") || path.equals("/v2")) {
      return new Route(Kind.BASE, "", "");
    }
    if (path.equals(TOKEN_PATH)) {
      return new Route(Kind.TOKEN, "", "");
    }
    if (!path.startsWith("/v2/") || path.indexOf('%') >= 0) {
      throw notFound(path);
    }
    String rest = path.substring(4);
    int slash = rest.lastIndexOf('/');
    if (slash <= 0) {
      throw notFound(path);
    }
    String head = rest.substring(0, slash);
    String tail = rest.substring(slash + 1);
    Route r;
    if (head.endsWith("/blobs/uploads")) {
      r = new Route(Kind.UPLOAD, strip(head, "/blobs/uploads"), tail);
    } else if (head.endsWith("/blobs") && tail.equals("uploads")) {
      r = new Route(Kind.UPLOAD, strip(head, "/blobs"), "");
    } else if (head.endsWith("/blobs")) {
      r = new Route(Kind.BLOB, strip(head, "/blobs"), tail);
    } else if (head.endsWith("/manifests")) {
      r = new Route(Kind.MANIFEST, strip(head, "/manifests"), tail);
    } else if (head.endsWith("/referrers")) {
      r = new Route(Kind.REFERRERS, strip(head, "/referrers"), tail);
    } else if (head.endsWith("/_strata") && tail.equals("chunks")) {
      r = new Route(Kind.CHUNKS, strip(head, "/_strata"), "");
    } else if (head.endsWith("/tags") && tail.equals("list")) {
      r = new Route(Kind.TAGS, strip(head, "/tags"), "");
    } else {
      throw notFound(path);
    }
    if (!Names.isRepository(r.name)) {
      throw RegistryError.nameInvalid("repository name " + r.name + ": not a valid name");
    }
    switch (r.kind) {
      case MANIFEST -> {
        if (!Names.isTag(r.reference) && !Names.isDigest(r.reference)) {
          throw new RegistryError(
              io.netty.handler.codec.http.HttpResponseStatus.BAD_REQUEST,
              "MANIFEST_INVALID",
              "manifest reference " + r.reference + ": neither a tag nor a sha256 digest");
        }
      }
      case BLOB, REFERRERS -> {
        if (!Names.isDigest(r.reference)) {
          throw RegistryError.digestInvalid(
              "digest " + r.reference + ": expected sha256: and 64 hex digits");
        }
      }
      case UPLOAD -> {
        if (!r.reference.isEmpty() && !r.reference.matches("[0-9a-f-]{36}")) {
          throw RegistryError.uploadUnknown("upload " + r.reference + " not found");
        }
      }
      default -> {}
    }
    return r;
  }

  private static String strip(String s, String suffix) {
    return s.substring(0, s.length() - suffix.length());
  }

  private static RegistryError notFound(String path) {
    return new RegistryError(
        io.netty.handler.codec.http.HttpResponseStatus.NOT_FOUND,
        "NOT_FOUND",
        "path " + path + ": no such endpoint");
  }
}
