package io.strata.server;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;

/**
 * A registry in front of a real one that answers every request as the real one does, except that it
 * changes one byte of the first chunk in each answer to Strata's chunk request: a registry whose
 * chunks lie about their digests.
 */
final class LyingRegistry implements AutoCloseable {
  private final HttpServer server;
  private final HttpClient client =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  private final String upstream;

  LyingRegistry(int upstreamPort) throws IOException {
    this.upstream = "http://127.0.0.1:" + upstreamPort;
    this.server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext("/", this::forward);
    server.start();
  }

  int port() {
    return server.getAddress().getPort();
  }

  private void forward(HttpExchange x) throws IOException {
    try (x) {
      byte[] body = x.getRequestBody().readAllBytes();
      HttpRequest.Builder b =
          HttpRequest.newBuilder(URI.create(upstream + x.getRequestURI()))
              .method(x.getRequestMethod(), HttpRequest.BodyPublishers.ofByteArray(body));
      for (Map.Entry<String, List<String>> h : x.getRequestHeaders().entrySet()) {
        String name = h.getKey();
        if (List.of("host", "content-length", "connection", "expect", "upgrade", "http2-settings")
            .contains(name.toLowerCase(java.util.Locale.ROOT))) {
          continue;
        }
        for (String v : h.getValue()) {
          b.header(name, v);
        }
      }
      HttpResponse<byte[]> r;
      try {
        r = client.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException(e);
      }
      byte[] answer = r.body();
      if (x.getRequestURI().getPath().endsWith("/_strata/chunks") && answer.length > 41) {
        // record: digest:32 codec:u8 rawLength:u32 length:u32, then the chunk's (encoded) bytes
        answer = answer.clone();
        answer[41] ^= 0x5a;
      }
      r.headers()
          .map()
          .forEach(
              (k, v) -> {
                if (!List.of("content-length", "transfer-encoding", "connection", ":status")
                    .contains(k.toLowerCase(java.util.Locale.ROOT))) {
                  x.getResponseHeaders().put(k, v);
                }
              });
      boolean head = x.getRequestMethod().equals("HEAD");
      x.sendResponseHeaders(r.statusCode(), head || answer.length == 0 ? -1 : answer.length);
      if (!head && answer.length > 0) {
        try (OutputStream out = x.getResponseBody()) {
          out.write(answer);
        }
      }
    }
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
