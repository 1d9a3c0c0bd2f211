package io.strata.client;

import io.strata.protocol.FrameType;
import io.strata.protocol.HostPort;
import io.strata.protocol.ProtocolException;
import io.strata.protocol.Status;
import io.strata.protocol.Wire;
import java.io.EOFException;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The streams in flight on one connection and the thread that reads its frames: each DATA or
 * RESPONSE goes to the {@link StreamInbox} of its stream, whichever thread made the request. Hands
 * out stream ids (counting up from 1, never reused) and keeps at most the server's {@code
 * maxStreams} in flight, a caller beyond that waiting for one to be answered. When the connection
 * fails or is closed, every stream in flight and every later request gets that failure.
 */
final class ReplyRouter {
  private final FrameConnection connection;
  private final HostPort address;
  private final int maxStreams;
  private final boolean streaming;
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition room = lock.newCondition();
  private final Map<Integer, StreamInbox> inFlight = new HashMap<>();
  private int nextStream = 1;
  private StrataClientException failure;

  /** {@code streaming}: read a connection's error as {@link StrataClient#connect} was told to. */
  ReplyRouter(FrameConnection connection, HostPort address, int maxStreams, boolean streaming) {
    this.streaming = streaming;
    this.connection = connection;
    this.address = address;
    this.maxStreams = Math.max(1, maxStreams);
  }

  /** Starts reading; after the handshake, which reads on the caller's thread. */
  void start() {
    Thread t = new Thread(this::readFrames, "strata-client ".concat(text(address)));
    t.setDaemon(true);
    t.start();
  }

  /** A new stream, once fewer than {@code maxStreams} are in flight. */
  StreamInbox open() throws IOException {
    lock.lock();
    try {
      while (failure == null && inFlight.size() >= maxStreams) {
        try {
          room.await();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new InterruptedIOException("interrupted waiting for a free stream");
        }
      }
      if (failure != null) {
        throw new StrataClientException(failure.status(), failure.getMessage(), failure.getCause());
      }
      int id = nextStream;
      nextStream = id == Integer.MAX_VALUE ? 1 : id + 1;
      StreamInbox inbox = new StreamInbox(id);
      inFlight.put(id, inbox);
      return inbox;
    } finally {
      lock.unlock();
    }
  }

  /** Whether the connection has failed or been closed. */
  boolean failed() {
    lock.lock();
    try {
      return failure != null;
    } finally {
      lock.unlock();
    }
  }

  /**
   * Ends the connection with {@code e}: every stream in flight and every later request fails with
   * it (the first failure wins). Closes the socket, which also ends the reader.
   */
  void fail(StrataClientException e) {
    List<StreamInbox> pending;
    lock.lock();
    try {
      if (failure == null) {
        failure = e;
      }
      pending = new ArrayList<>(inFlight.values());
      inFlight.clear();
      room.signalAll();
    } finally {
      lock.unlock();
    }
    for (StreamInbox inbox : pending) {
      inbox.fail(failure);
    }
    try {
      connection.close();
    } catch (IOException ignored) {
      // Already failing; the first error is the one to report.
    }
  }

  private void readFrames() {
    try {
      while (true) {
        InboundFrame f = connection.read();
        if (f.stream() == Wire.CONNECTION_STREAM) {
          if (f.type() == FrameType.RESPONSE) {
            fail(StrataClient.connectionError(address, f, streaming));
            return;
          }
          throw new ProtocolException("server sent " + f.type() + " on stream 0");
        }
        if (f.type() != FrameType.DATA && f.type() != FrameType.RESPONSE) {
          throw new ProtocolException(
              "server sent " + f.type() + " on stream " + Integer.toUnsignedString(f.stream()));
        }
        StreamInbox inbox;
        lock.lock();
        try {
          inbox =
              f.type() == FrameType.RESPONSE
                  ? inFlight.remove(f.stream())
                  : inFlight.get(f.stream());
          if (f.type() == FrameType.RESPONSE) {
            room.signal();
          }
        } finally {
          lock.unlock();
        }
        if (inbox != null) { // else a late frame of a stream no longer in flight
          inbox.deliver(new InboundFrame(f.type(), f.stream(), f.payload(), 0, f.length()));
        }
      }
    } catch (IOException e) {
      fail(lost(e));
    } catch (InterruptedException e) {
      fail(new StrataClientException(Status.UNAVAILABLE, "connection to " + where() + " closed"));
    }
  }

  /**
   * {@code address} as {@link HostPort#toString} writes it, built without {@code +}: the first
   * string concatenation of a JVM spins method handles for tens of milliseconds (invokedynamic),
   * which a short CLI command pays in full (docs/PERF.md, "CLI startup"), and HostPort's toString
   * is one. For what every connection does whether or not it fails: name its thread, close.
   */
  static String text(HostPort address) {
    String host = address.host();
    StringBuilder b = new StringBuilder();
    if (host.indexOf(':') >= 0) {
      b.append('[').append(host).append(']');
    } else {
      b.append(host);
    }
    return b.append(':').append(address.port()).toString();
  }

  private String where() {
    return "stratad at " + address;
  }

  /** The failure of every call in flight when reading or sending fails with {@code e}. */
  StrataClientException lost(IOException e) {
    if (e instanceof StrataClientException s) {
      return s;
    }
    lock.lock();
    try {
      if (failure != null) { // closed by us, or failed already: the reader's error is a symptom
        return failure;
      }
    } finally {
      lock.unlock();
    }
    String why =
        e instanceof EOFException ? "the server closed the connection" : StrataClient.describe(e);
    return new StrataClientException(
        e instanceof ProtocolException ? Status.PROTOCOL_ERROR : Status.UNAVAILABLE,
        "connection to " + where() + " lost: " + why,
        e);
  }
}
