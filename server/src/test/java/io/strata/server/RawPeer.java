package io.strata.server;

import io.strata.protocol.FrameHeader;
import io.strata.protocol.FrameType;
import io.strata.protocol.Hello;
import io.strata.protocol.HostPort;
import io.strata.protocol.Opcode;
import io.strata.protocol.RequestHeader;
import io.strata.protocol.ResponseHeader;
import io.strata.protocol.Status;
import io.strata.protocol.Wire;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/** A hand-driven protocol peer over a plain socket, for tests that break the rules on purpose. */
final class RawPeer implements AutoCloseable {
  private final Socket socket;
  private final DataInputStream in;
  private final OutputStream out;

  /** One frame the server sent. */
  record Received(FrameType type, int stream, byte[] payload) {
    Status status() throws IOException {
      return ResponseHeader.decode(ByteBuffer.wrap(payload)).status();
    }

    String body() throws IOException {
      return new String(
          ResponseHeader.decode(ByteBuffer.wrap(payload)).body(), StandardCharsets.UTF_8);
    }
  }

  RawPeer(HostPort at) throws IOException {
    socket = new Socket(at.host(), at.port());
    socket.setSoTimeout(10_000);
    in = new DataInputStream(socket.getInputStream());
    out = socket.getOutputStream();
  }

  Socket socket() {
    return socket;
  }

  void send(byte[] bytes) throws IOException {
    out.write(bytes);
    out.flush();
  }

  void frame(FrameType type, int stream, byte[] payload) throws IOException {
    send(FrameHeader.frame(type, stream, payload));
  }

  void request(int stream, Opcode op, String args) throws IOException {
    frame(
        FrameType.REQUEST,
        stream,
        new RequestHeader(op.code(), args.getBytes(StandardCharsets.UTF_8)).encode());
  }

  /** HELLO, WELCOME and, with a token, AUTH and AUTH_OK. */
  RawPeer handshake(byte[] token) throws IOException {
    frame(FrameType.HELLO, Wire.CONNECTION_STREAM, Hello.current().encode());
    expect(read(), FrameType.WELCOME);
    if (token != null) {
      frame(FrameType.AUTH, Wire.CONNECTION_STREAM, token);
      expect(read(), FrameType.AUTH_OK);
    }
    return this;
  }

  private static void expect(Received r, FrameType type) throws IOException {
    if (r.type() != type) {
      throw new IOException("expected " + type + ", got " + r.type() + ": " + r.body());
    }
  }

  Received read() throws IOException {
    int len = in.readInt();
    FrameType type = FrameType.of(in.readUnsignedByte());
    int stream = in.readInt();
    byte[] payload = new byte[len - Wire.HEADER];
    in.readFully(payload);
    return new Received(type, stream, payload);
  }

  /** Reads and drops everything until the server closes; returns the bytes read. */
  long drainToEof() throws IOException {
    byte[] buf = new byte[64 << 10];
    long total = 0;
    try {
      int n;
      while ((n = in.read(buf)) >= 0) {
        total += n;
      }
    } catch (SocketException e) {
      // A reset is how a server that closed on unread data ends it.
    }
    return total;
  }

  /** Whether the server closed the connection within the socket timeout. */
  boolean closedByServer() throws IOException {
    try {
      while (true) {
        read();
      }
    } catch (EOFException | SocketException e) {
      return true;
    } catch (SocketTimeoutException e) {
      return false;
    }
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}
