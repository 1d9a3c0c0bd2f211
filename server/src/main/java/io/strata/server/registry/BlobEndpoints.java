package io.strata.server.registry;

import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpChunkedInput;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.strata.store.digest.Digest;
import io.strata.store.error.CorruptDataException;
import io.strata.store.error.InvalidArgumentException;
import io.strata.store.registry.Names;
import io.strata.store.registry.RegistryStore;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Executor;

/**
 * Blobs: GET and HEAD (with {@code Range}), DELETE, and uploads (POST to start, or monolithic with
 * {@code ?digest=}; PATCH chunks with {@code Content-Range}; PUT to finish; GET for the status;
 * DELETE to cancel; {@code ?mount=&from=} to mount across repositories). An upload's bytes go to
 * its spool as they arrive; at the final PUT the digest is checked before anything enters the
 * store, and a mismatch stores nothing.
 */
final class BlobEndpoints {
  private final RegistryStore store;
  private final Uploads uploads;
  private final BlobCache cache;
  private final Executor readers;
  private final RecipeJobs recipes;

  /**
   * @param cache whole copies of gzip blobs kept as recipes
   * @param readers the threads that read blob bodies (regenerating them when needed)
   * @param recipes the jobs that store gzip blobs staged at their PUT
   */
  BlobEndpoints(
      RegistryStore store, Uploads uploads, BlobCache cache, Executor readers, RecipeJobs recipes) {
    this.store = store;
    this.uploads = uploads;
    this.cache = cache;
    this.readers = readers;
    this.recipes = recipes;
  }

  Body blob(Exchange x) {
    String repo = x.route().name();
    Digest d = Digest.parse(x.route().reference());
    HttpMethod m = x.request().method();
    if (m.equals(HttpMethod.GET) || m.equals(HttpMethod.HEAD)) {
      return Body.ignored(() -> get(x, repo, d, m.equals(HttpMethod.HEAD)));
    }
    if (m.equals(HttpMethod.DELETE)) {
      return Body.ignored(
          () ->
              x.async(
                  () -> {
                    if (!store.hasBlob(repo, d)) {
                      throw RegistryError.blobUnknown("blob " + d + " not found in " + repo);
                    }
                    store.unlinkBlob(repo, d);
                    return Replies.empty(HttpResponseStatus.ACCEPTED);
                  }));
    }
    throw RegistryError.unsupported(m + " of a blob is not supported");
  }

  private void get(Exchange x, String repo, Digest d, boolean head) {
    // a HEAD is how a pushing client learns it need not upload a blob: its yes is kept from
    // deletions for a while, for the manifest PUT that relies on it; a GET is a pull's, which
    // relies on nothing after it, so that a pulled view's blobs go with it at once
    if (!(head ? store.hasBlobTelling(repo, d) : store.hasBlob(repo, d))) {
      throw RegistryError.blobUnknown("blob " + d + " not found in " + repo);
    }
    if (head && !store.hasIntactBlob(repo, d)) {
      // unknown to a HEAD, as a missing blob is, so that a push uploads its bytes again, which
      // mends it; a GET goes on and answers the damage's own error (500 naming the blob) unless
      // the blob cache holds a checked copy
      throw RegistryError.blobUnknown(
          "blob " + d + " in " + repo + ": its stored bytes are damaged; push it again to mend it");
    }
    long total = store.blobSize(d);
    ByteRange range;
    try {
      range = ByteRange.request(x.header(HttpHeaderNames.RANGE), total);
    } catch (RegistryError e) {
      FullHttpResponse r = Replies.error(e);
      r.headers().set(HttpHeaderNames.CONTENT_RANGE, "bytes */" + total);
      x.reply(r);
      return;
    }
    long offset = range == null ? 0 : range.first();
    long length = range == null ? total : range.length();
    HttpResponse r =
        new DefaultHttpResponse(
            HttpVersion.HTTP_1_1,
            range == null ? HttpResponseStatus.OK : HttpResponseStatus.PARTIAL_CONTENT);
    r.headers()
        .set(HttpHeaderNames.CONTENT_LENGTH, length)
        .set(HttpHeaderNames.CONTENT_TYPE, "application/octet-stream")
        .set(HttpHeaderNames.ACCEPT_RANGES, "bytes")
        .set(Replies.CONTENT_DIGEST, d.toString())
        .set(Replies.API_VERSION, "registry/2.0");
    if (range != null) {
      r.headers()
          .set(
              HttpHeaderNames.CONTENT_RANGE,
              "bytes " + range.first() + "-" + range.last() + "/" + total);
    }
    if (head) {
      FullHttpResponse full = Replies.empty(r.status());
      full.headers().set(r.headers());
      x.reply(full);
      return;
    }
    String what = "blob " + d;
    BlobCache.Copy copy = cache.get(d);
    if (copy != null && (range == null || cache.sums(copy) != null)) {
      if (sendCopy(x, r, copy, total, offset, length)) {
        return;
      }
    } else if (copy != null) {
      // the first range read from this copy: all of it is checked first (its digest, on a reader
      // thread), so that its block sums can check this range and the next ones
      x.pump(r, what, () -> checkedCopyOrStore(copy, total, offset, length), readers, c -> {});
      return;
    }
    boolean whole =
        range == null && cache.enabled() && store.gzipRecipe(d) != null && cache.hasRoomFor(total);
    if (!whole) {
      x.pump(r, what, () -> store.openBlob(d, offset, length), readers, complete -> {});
      return;
    }
    // a gzip blob regenerated in full: kept in the cache as it is sent, so the next pull is a file;
    // a copy that cannot be written (the disk filled up) is given up, not the pull
    Path partial = cache.partial();
    CopyAside[] sent = new CopyAside[1];
    x.pump(
        r,
        what,
        () -> sent[0] = CopyAside.toFile(store.openBlob(d, 0, -1), partial),
        readers,
        complete -> {
          if (complete && sent[0] != null && sent[0].copied()) {
            cache.commit(d, partial);
          } else {
            try {
              Files.deleteIfExists(partial);
            } catch (IOException e) {
              // the next start deletes it
            }
          }
        });
  }

  /**
   * Bytes {@code [offset, offset + length)} of {@code copy} once all of it matched its digest (on a
   * reader thread: a full read), else of the store's blob.
   */
  private InputStream checkedCopyOrStore(
      BlobCache.Copy copy, long total, long offset, long length) {
    if (CachedCopyBody.check(cache, copy, total)) {
      try {
        return CachedCopyBody.open(cache, copy, total, offset, length).stream();
      } catch (IOException | CorruptDataException e) {
        // evicted or damaged since the check (dropped then): the store has the blob
      }
    }
    return store.openBlob(copy.digest(), offset, length);
  }

  /**
   * Sends bytes {@code [offset, offset + length)} of {@code copy}, checked as the channel pulls
   * them ({@link CachedCopyBody}); false, with nothing sent, when the copy is gone (evicted) or its
   * first piece is damaged (the copy dropped): the store serves the blob then.
   */
  private boolean sendCopy(
      Exchange x, HttpResponse r, BlobCache.Copy copy, long total, long offset, long length) {
    CachedCopyBody body;
    try {
      body = CachedCopyBody.open(cache, copy, total, offset, length);
    } catch (IOException | CorruptDataException e) {
      return false;
    }
    x.stream(r, new HttpChunkedInput(body));
    return true;
  }

  Body upload(Exchange x) throws IOException {
    String repo = x.route().name();
    String id = x.route().reference();
    HttpMethod m = x.request().method();
    if (m.equals(HttpMethod.POST) && id.isEmpty()) {
      return start(x, repo);
    }
    if (id.isEmpty()) {
      throw RegistryError.unsupported(m + " of blobs/uploads/ is not supported");
    }
    Upload u = uploads.get(repo, id);
    if (m.equals(HttpMethod.GET)) {
      return Body.ignored(() -> x.reply(progress(HttpResponseStatus.NO_CONTENT, u)));
    }
    if (m.equals(HttpMethod.DELETE)) {
      return Body.ignored(
          () -> {
            if (!u.claim(uploads.now())) {
              throw RegistryError.uploadInvalid("upload " + id + " is in use by another request");
            }
            uploads.remove(u);
            x.reply(Replies.empty(HttpResponseStatus.NO_CONTENT));
          });
    }
    if (m.equals(HttpMethod.PATCH)) {
      return chunk(x, u, null);
    }
    if (m.equals(HttpMethod.PUT)) {
      return chunk(x, u, expectedDigest(x));
    }
    throw RegistryError.unsupported(m + " of an upload is not supported");
  }

  private Body start(Exchange x, String repo) throws IOException {
    String mount = x.param("mount");
    if (mount != null) {
      Digest d = digestParam(mount);
      String from = x.param("from");
      if (from != null && store.mount(repo, d, from)) {
        return Body.ignored(() -> x.reply(created(repo, d)));
      }
    }
    String digest = x.param("digest");
    Digest expected = digest == null ? null : digestParam(digest);
    Upload u = uploads.start(repo);
    if (expected != null) {
      // a single-request upload nobody can resume: a failure discards it at once
      Body b = chunk(x, u, expected);
      return new Body() {
        @Override
        public void content(io.netty.buffer.ByteBuf piece) throws IOException {
          b.content(piece);
        }

        @Override
        public void end() throws IOException {
          b.end();
        }

        @Override
        public void abort() {
          b.abort();
          uploads.remove(u);
        }
      };
    }
    return Body.ignored(() -> x.reply(progress(HttpResponseStatus.ACCEPTED, u)));
  }

  /**
   * The body of a PATCH, or of a final PUT ({@code expected} not null) or monolithic POST: appended
   * to the upload, checked against the {@code Content-Range} it claims.
   */
  private Body chunk(Exchange x, Upload u, Digest expected) {
    if (!u.claim(uploads.now())) {
      throw RegistryError.uploadInvalid("upload " + u.id() + " is in use by another request");
    }
    ByteRange declared;
    try {
      declared = ByteRange.upload(x.header(HttpHeaderNames.CONTENT_RANGE));
    } catch (RegistryError e) {
      release(u, false);
      throw e;
    }
    if (declared != null && declared.first() != u.size()) {
      release(u, false);
      throw RegistryError.rangeInvalid(
          "upload "
              + u.id()
              + ": chunk starts at "
              + declared.first()
              + " but the upload holds "
              + u.size()
              + " bytes");
    }
    return new Body() {
      @Override
      public void content(ByteBuf piece) throws IOException {
        recipes.pushed();
        try {
          u.append(piece, uploads.now());
        } catch (IOException e) {
          if (Failures.diskFull(e) && u.startedEmpty()) {
            // nothing of it kept yet, and nothing will be on this disk: not left behind until
            // it expires (the client is told 507 and starts over)
            uploads.remove(u);
          }
          throw e;
        }
        if (declared != null && u.appended() > declared.length()) {
          throw RegistryError.rangeInvalid(
              "upload "
                  + u.id()
                  + ": chunk longer than its Content-Range "
                  + declared.first()
                  + "-"
                  + declared.last());
        }
      }

      @Override
      public void end() throws IOException {
        recipes.pushed();
        if (declared != null && u.appended() != declared.length()) {
          throw RegistryError.rangeInvalid(
              "upload "
                  + u.id()
                  + ": chunk of "
                  + u.appended()
                  + " bytes, its Content-Range says "
                  + declared.length());
        }
        if (expected == null) {
          u.release(uploads.now());
          x.reply(progress(HttpResponseStatus.ACCEPTED, u));
          return;
        }
        finish(x, u, expected);
      }

      @Override
      public void abort() {
        release(u, false);
      }
    };
  }

  private void finish(Exchange x, Upload u, Digest expected) {
    Digest got = u.digest();
    if (!got.equals(expected)) {
      uploads.remove(u);
      throw RegistryError.digestInvalid(
          "blob upload to " + u.repo() + ": content has digest " + got + ", not " + expected);
    }
    x.async(
        () -> {
          try {
            // a gzip layer is staged (forced to disk and hard-linked, not chunked) and stored by
            // its job after the answer (RecipeJobs); anything else is stored now
            if (store.putUploadedBlob(u.repo(), expected, u.file())) {
              // the spool is the blob, digest checked: pulls send it rather than a regeneration
              cache.keepSpool(expected, u.file());
              recipes.submit(expected);
            }
          } catch (InvalidArgumentException e) {
            throw RegistryError.digestInvalid(e.getMessage());
          } finally {
            uploads.remove(u);
          }
          return created(u.repo(), expected);
        });
  }

  private void release(Upload u, boolean keep) {
    try {
      if (keep) {
        u.release(uploads.now());
      } else {
        u.rollBack(uploads.now());
      }
    } catch (IOException e) {
      uploads.remove(u);
    }
  }

  private static Digest expectedDigest(Exchange x) {
    String d = x.param("digest");
    if (d == null) {
      throw RegistryError.digestInvalid("the final PUT of an upload needs ?digest=");
    }
    return digestParam(d);
  }

  private static Digest digestParam(String text) {
    if (!Names.isDigest(text)) {
      throw RegistryError.digestInvalid("digest " + text + ": expected sha256: and 64 hex digits");
    }
    return Digest.parse(text);
  }

  private static FullHttpResponse created(String repo, Digest d) {
    FullHttpResponse r = Replies.empty(HttpResponseStatus.CREATED);
    r.headers()
        .set(HttpHeaderNames.LOCATION, "/v2/" + repo + "/blobs/" + d)
        .set(Replies.CONTENT_DIGEST, d.toString());
    return r;
  }

  private static FullHttpResponse progress(HttpResponseStatus status, Upload u) {
    FullHttpResponse r = Replies.empty(status);
    long size = u.size();
    r.headers()
        .set(HttpHeaderNames.LOCATION, "/v2/" + u.repo() + "/blobs/uploads/" + u.id())
        .set(HttpHeaderNames.RANGE, "0-" + Math.max(0, size - 1))
        .set(Replies.UPLOAD_UUID, u.id());
    return r;
  }
}
