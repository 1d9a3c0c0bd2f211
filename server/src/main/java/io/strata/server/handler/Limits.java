package io.strata.server.handler;

import io.netty.util.internal.PlatformDependent;
import io.strata.protocol.Wire;
import java.time.Duration;

/**
 * The bounds that keep peers, one or many, from taking the server down: frame size, requests in
 * flight, connections, large frames being received, buffered upload bytes, and how long the server
 * waits for a silent or slow peer.
 *
 * @param maxFrameLength the largest length prefix accepted
 * @param maxStreams requests in flight per connection
 * @param maxConnections connections open at once; more are answered UNAVAILABLE and closed
 * @param largeFrameBudget bytes that frames longer than {@link
 *     io.strata.server.codec.FrameDecoder#OWN_FRAME} may hold, over all connections, while they
 *     arrive
 * @param inboundHighWater buffered upload bytes of a connection at which it stops reading
 * @param inboundLowWater buffered upload bytes under which it reads again
 * @param uploadBudget buffered upload bytes of all connections together (see {@link InboundBudget})
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
    long largeFrameBudget,
    int inboundHighWater,
    int inboundLowWater,
    long uploadBudget,
    Duration handshakeTimeout,
    Duration idleTimeout,
    Duration slowClientTimeout,
    int engineThreads,
    Duration shutdownGrace) {
  public Limits {
    if (maxFrameLength < Wire.HEADER
        || inboundLowWater > inboundHighWater
        || maxStreams < 1
        || maxConnections < 1
        || largeFrameBudget < 0
        || uploadBudget < InboundBudget.GUARANTEED) {
      throw new IllegalArgumentException(
          "limits " + maxFrameLength + "/" + maxStreams + " invalid");
    }
  }

  /** The most connections a server takes, when its direct memory backs them. */
  public static final int MAX_CONNECTIONS = 1024;

  /**
   * Direct memory a connection counts for in the cap on connections: the frame it may always
   * receive and the read it arrives by (128 KiB, docs/PROTOCOL.md §6) take at most a quarter of it,
   * so that the frames being received of all connections take at most a quarter of the server's
   * direct memory.
   */
  static final long MEMORY_PER_CONNECTION = 512 << 10;

  /** The defaults of stratad, for the JVM's direct memory limit. */
  public static Limits defaults() {
    return defaults(PlatformDependent.maxDirectMemory());
  }

  /**
   * The defaults of stratad with {@code directMemory} bytes of direct memory (the JVM's {@code
   * -XX:MaxDirectMemorySize}, the heap size unless set): as many connections as it backs, up to
   * {@link #MAX_CONNECTIONS}, an eighth of it for large frames being received and a quarter for
   * upload bytes waiting for the engine.
   */
  static Limits defaults(long directMemory) {
    return new Limits(
        Wire.MAX_FRAME_LENGTH,
        Wire.MAX_STREAMS,
        connectionsFor(directMemory),
        directMemory / 8,
        2 << 20,
        512 << 10,
        Math.max(InboundBudget.GUARANTEED, directMemory / 4),
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
        largeFrameBudget,
        inboundHighWater,
        inboundLowWater,
        uploadBudget,
        handshakeTimeout,
        idleTimeout,
        slowClientTimeout,
        engineThreads,
        shutdownGrace);
  }

  /** The connections {@code directMemory} bytes back: at least 16, at most 1024. */
  static int connectionsFor(long directMemory) {
    return (int) Math.max(16, Math.min(MAX_CONNECTIONS, directMemory / MEMORY_PER_CONNECTION));
  }

  /** These limits with {@code n} engine threads (tests use few, to make contention cheap). */
  public Limits withEngineThreads(int n) {
    return new Limits(
        maxFrameLength,
        maxStreams,
        maxConnections,
        largeFrameBudget,
        inboundHighWater,
        inboundLowWater,
        uploadBudget,
        handshakeTimeout,
        idleTimeout,
        slowClientTimeout,
        n,
        shutdownGrace);
  }

  /** These limits with other timeouts (tests use short ones). */
  public Limits withTimeouts(Duration handshake, Duration idle, Duration slowClient) {
    return new Limits(
        maxFrameLength,
        maxStreams,
        maxConnections,
        largeFrameBudget,
        inboundHighWater,
        inboundLowWater,
        uploadBudget,
        handshake,
        idle,
        slowClient,
        engineThreads,
        shutdownGrace);
  }

  /** These limits with {@code bytes} of upload buffers over all connections (tests use little). */
  public Limits withUploadBudget(long bytes) {
    return new Limits(
        maxFrameLength,
        maxStreams,
        maxConnections,
        largeFrameBudget,
        inboundHighWater,
        inboundLowWater,
        bytes,
        handshakeTimeout,
        idleTimeout,
        slowClientTimeout,
        engineThreads,
        shutdownGrace);
  }
}
