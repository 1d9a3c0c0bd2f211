package io.strata.server.registry;

import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.strata.store.error.InvalidArgumentException;
import io.strata.store.error.NotFoundException;
import io.strata.store.registry.ChunkIndexPublisher;
import io.strata.store.registry.ChunkRequest;
import io.strata.store.transfer.ChunkRecordStream;
import java.util.concurrent.Executor;

/**
 * Strata's chunk request, what a Strata puller asks for after reading an image's chunk index:
 * {@code POST /v2/NAME/_strata/chunks} with the layers and the chunks wanted in the body ({@link
 * ChunkRequest}'s encoding, at most {@value #MAX_REQUEST} bytes), answered with those chunks as
 * chunk records (the host transfers' encoding, each as its pack keeps it), streamed by a reader
 * thread. Only chunks of the named layers, which the repository must hold, are served: a client
 * cannot read what the repository does not give it. Authenticated as a pull (anonymous when pulls
 * are).
 */
final class ChunkEndpoints {
  /** About 116,000 chunks, 7 GB of layer, per request; a puller asks in batches of 32 MiB. */
  static final int MAX_REQUEST = 4 << 20;

  /** The media type of the request body. */
  static final String REQUEST_TYPE = "application/vnd.strata.chunk-request.v1";

  /** The media type of the answer. */
  static final String RECORDS_TYPE = "application/vnd.strata.chunk-records.v1";

  private final ChunkIndexPublisher indexes;
  private final Executor readers;

  ChunkEndpoints(ChunkIndexPublisher indexes, Executor readers) {
    this.indexes = indexes;
    this.readers = readers;
  }

  Body request(Exchange x) {
    String repo = x.route().name();
    if (!x.request().method().equals(HttpMethod.POST)) {
      throw RegistryError.unsupported(x.request().method() + " of _strata/chunks is not supported");
    }
    RegistryError tooLarge =
        new RegistryError(
            HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE,
            "SIZE_INVALID",
            "chunk request of " + repo + ": larger than " + MAX_REQUEST + " bytes");
    // refused before its body comes when it says how long it is (Netty checked the number)
    String length = x.header(HttpHeaderNames.CONTENT_LENGTH);
    if (length != null
        && length.trim().matches("\\d{1,18}")
        && Long.parseLong(length.trim()) > MAX_REQUEST) {
      throw tooLarge;
    }
    return Body.buffered(MAX_REQUEST, tooLarge, body -> answer(x, repo, body));
  }

  private void answer(Exchange x, String repo, byte[] body) {
    String where = "chunk request of " + repo;
    ChunkRequest request;
    try {
      request = ChunkRequest.decode(body, where);
    } catch (InvalidArgumentException e) {
      throw badList(e.getMessage());
    }
    ChunkRecordStream records;
    try {
      records = indexes.records(repo, request.layers(), request.wanted(), where);
    } catch (NotFoundException e) {
      throw RegistryError.blobUnknown(e.getMessage());
    }
    HttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
    head.headers()
        .set(HttpHeaderNames.CONTENT_TYPE, RECORDS_TYPE)
        .set(Replies.API_VERSION, "registry/2.0");
    HttpUtil.setTransferEncodingChunked(head, true);
    x.pump(head, where, () -> records, readers, complete -> {});
  }

  private static RegistryError badList(String message) {
    return new RegistryError(HttpResponseStatus.BAD_REQUEST, "UNSUPPORTED", message);
  }
}
