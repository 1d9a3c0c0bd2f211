package io.strata.server.handler;

import io.strata.protocol.Wire;
import java.time.Duration;

/**
 * The bounds that keep one peer from taking the server down: frame size, requests in flight,
 * connections, buffered upload bytes, and how long the server waits for a silent or slow peer.
 *
 * @param maxFrameLength the largest length prefix accepted
 * @param maxStreams requests in flight per connection
 * @param maxConnections connections open at once; more are closed on accept
 * @param inboundHighWater buffered upload bytes of a connection at which it stops reading
 * @param inboundLowWater buffered upload bytes under which it reads again
 * @param handshakeTimeout time from accept to a finished handshake
 * @param idleTimeout time without traffic after which a connection with no request (or a stalled
 *     upload) is closed
 * @param slowClientTimeout time a peer may leave the server's sends unread before it is closed
 * @param engineThreads threads that run engine calls
 * @param shutdownGrace how long shutdown waits for requests in flight
 */
public record Limits(
    int maxFrameLength,
    int maxStreams,
    int maxConnections,
    int inboundHighWater,
    int inboundLowWater,
    Duration handshakeTimeout,
    Duration idleTimeout,
    Duration slowClientTimeout,
    int engineThreads,
    Duration shutdownGrace) {
  public Limits {
    if (maxFrameLength < Wire.HEADER || inboundLowWater > inboundHighWater || maxStreams < 1) {
      throw new IllegalArgumentException(
          "limits " + maxFrameLength + "/" + maxStreams + " invalid");
    }
  }

  /** The defaults of stratad. */
  public static Limits defaults() {
    return new Limits(
        Wire.MAX_FRAME_LENGTH,
        Wire.MAX_STREAMS,
        1024,
        2 << 20,
        512 << 10,
        Duration.ofSeconds(10),
        Duration.ofMinutes(5),
        Duration.ofSeconds(60),
        Math.max(8, 4 * Runtime.getRuntime().availableProcessors()),
        Duration.ofSeconds(20));
  }

  /** These limits with at most {@code n} connections open at once. */
  public Limits withMaxConnections(int n) {
    return new Limits(
        maxFrameLength,
        maxStreams,
        n,
        inboundHighWater,
        inboundLowWater,
        handshakeTimeout,
        idleTimeout,
        slowClientTimeout,
        engineThreads,
        shutdownGrace);
  }

  /** These limits with other timeouts (tests use short ones). */
  public Limits withTimeouts(Duration handshake, Duration idle, Duration slowClient) {
    return new Limits(
        maxFrameLength,
        maxStreams,
        maxConnections,
        inboundHighWater,
        inboundLowWater,
        handshake,
        idle,
        slowClient,
        engineThreads,
        shutdownGrace);
  }
}
