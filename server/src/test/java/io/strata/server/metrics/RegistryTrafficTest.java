package io.strata.server.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import java.time.Clock;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 30, unit = TimeUnit.SECONDS)
class RegistryTrafficTest {
  private final ServerMetrics metrics = new ServerMetrics(Clock.systemUTC());
  private final AtomicLong nanos = new AtomicLong();

  private EmbeddedChannel channel() {
    // the route kind is the target's first word after /v2/: enough to tell requests apart here
    return new EmbeddedChannel(
        new RegistryTraffic(metrics.registryTraffic(), uri -> uri.split("/")[2], nanos::get));
  }

  private static DefaultFullHttpRequest request(HttpMethod m, String uri, byte[] body) {
    return new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, m, uri, Unpooled.wrappedBuffer(body));
  }

  private static DefaultFullHttpResponse answer(HttpResponseStatus s, byte[] body) {
    return new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, s, Unpooled.wrappedBuffer(body));
  }

  private double value(String series) {
    return Scrape.value(metrics.render(null), series);
  }

  /** Every registry request counted, whatever its labels. */
  private double requests() {
    return metrics
        .render(null)
        .lines()
        .filter(l -> l.startsWith("strata_registry_requests_total{"))
        .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1)))
        .sum();
  }

  @Test
  void aFullAnswerCountsItsRequestOnceWithCodeBytesAndLatencyButNotAContinue() {
    EmbeddedChannel ch = channel();
    ch.writeInbound(request(HttpMethod.PUT, "/v2/upload/x", new byte[300]));
    ch.writeOutbound(answer(HttpResponseStatus.CONTINUE, new byte[0]));
    assertThat(
            value("strata_registry_requests_total{code=\"100\",method=\"PUT\",route=\"upload\"}"))
        .isNaN();
    nanos.addAndGet(TimeUnit.MILLISECONDS.toNanos(20));
    ch.writeOutbound(answer(HttpResponseStatus.CREATED, new byte[7]));
    assertThat(
            value("strata_registry_requests_total{code=\"201\",method=\"PUT\",route=\"upload\"}"))
        .isEqualTo(1);
    assertThat(value("strata_registry_received_bytes_total{route=\"upload\"}")).isEqualTo(300);
    assertThat(value("strata_registry_sent_bytes_total{route=\"upload\"}")).isEqualTo(7);
    assertThat(
            value("strata_registry_request_duration_seconds_bucket{route=\"upload\",le=\"0.01\"}"))
        .isEqualTo(0);
    assertThat(
            value("strata_registry_request_duration_seconds_bucket{route=\"upload\",le=\"0.025\"}"))
        .isEqualTo(1);
    assertThat(value("strata_registry_connections_open")).isEqualTo(1);
    assertThat(ch.finishAndReleaseAll()).isTrue();
    assertThat(value("strata_registry_connections_open")).isEqualTo(0);
    assertThat(value("strata_registry_connections_total")).isEqualTo(1);
    assertThat(value("strata_registry_requests_aborted_total{route=\"upload\"}")).isNaN();
  }

  @Test
  void aStreamedAnswerIsCountedAtItsLastPieceAndPipelinedAnswersGoToTheirRequests() {
    EmbeddedChannel ch = channel();
    ch.writeInbound(request(HttpMethod.GET, "/v2/blob/a", new byte[0]));
    ch.writeInbound(request(HttpMethod.HEAD, "/v2/manifest/b", new byte[0]));
    ch.writeOutbound(new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK));
    ch.writeOutbound(new DefaultHttpContent(Unpooled.wrappedBuffer(new byte[1000])));
    assertThat(value("strata_registry_requests_total{code=\"200\",method=\"GET\",route=\"blob\"}"))
        .isNaN();
    ch.writeOutbound(new DefaultLastHttpContent(Unpooled.wrappedBuffer(new byte[24])));
    ch.writeOutbound(answer(HttpResponseStatus.NOT_FOUND, new byte[0]));
    assertThat(value("strata_registry_requests_total{code=\"200\",method=\"GET\",route=\"blob\"}"))
        .isEqualTo(1);
    assertThat(value("strata_registry_sent_bytes_total{route=\"blob\"}")).isEqualTo(1024);
    assertThat(
            value(
                "strata_registry_requests_total{code=\"404\",method=\"HEAD\",route=\"manifest\"}"))
        .isEqualTo(1);
    assertThat(ch.finishAndReleaseAll()).isTrue();
  }

  @Test
  void aCloseBeforeTheAnswerEndsCountsTheRequestOnceAsAborted() {
    EmbeddedChannel ch = channel();
    // as a stream's writer does at the close: its last piece comes after the connection went
    ch.pipeline()
        .addLast(
            new ChannelInboundHandlerAdapter() {
              @Override
              public void channelInactive(ChannelHandlerContext ctx) {
                ctx.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT);
              }
            });
    ch.writeInbound(request(HttpMethod.GET, "/v2/blob/a", new byte[0]));
    ch.writeOutbound(new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK));
    ch.writeInbound(request(HttpMethod.PATCH, "/v2/upload/b", new byte[5]));
    ch.close();
    assertThat(value("strata_registry_requests_total{code=\"200\",method=\"GET\",route=\"blob\"}"))
        .isEqualTo(1);
    assertThat(
            value(
                "strata_registry_requests_total{code=\"none\",method=\"PATCH\",route=\"upload\"}"))
        .isEqualTo(1);
    assertThat(requests()).as("each request once, nothing for the late piece").isEqualTo(2);
    assertThat(value("strata_registry_requests_aborted_total{route=\"blob\"}")).isEqualTo(1);
    assertThat(value("strata_registry_requests_aborted_total{route=\"upload\"}")).isEqualTo(1);
    // an unfinished answer has no latency: no series for the route yet
    assertThat(value("strata_registry_request_duration_seconds_count{route=\"blob\"}")).isNaN();
    ch.finishAndReleaseAll();
  }

  @Test
  void anUnknownMethodIsLabelledOther() {
    EmbeddedChannel ch = channel();
    ch.writeInbound(request(HttpMethod.valueOf("BREW"), "/v2/other/x", new byte[0]));
    ch.writeOutbound(answer(HttpResponseStatus.METHOD_NOT_ALLOWED, new byte[0]));
    assertThat(
            value("strata_registry_requests_total{code=\"405\",method=\"other\",route=\"other\"}"))
        .isEqualTo(1);
    assertThat(ch.finishAndReleaseAll()).isTrue();
  }
}
