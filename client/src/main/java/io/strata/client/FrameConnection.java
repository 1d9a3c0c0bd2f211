package io.strata.client;

import io.strata.protocol.FrameHeader;
import io.strata.protocol.FrameType;
import io.strata.protocol.ProtocolException;
import io.strata.protocol.Wire;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.Closeable;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.ByteBuffer;

/** Frames over one blocking socket. Not thread-safe: the client makes one request at a time. */
final class FrameConnection implements Closeable {
  private final Socket socket;
  private final BufferedInputStream rawIn;
  private final DataInputStream in;
  private final OutputStream out;
  private final byte[] header = new byte[FrameHeader.SIZE];

  FrameConnection(Socket socket) throws IOException {
    this.socket = socket;
    this.rawIn = new BufferedInputStream(socket.getInputStream(), 128 << 10);
    this.in = new DataInputStream(rawIn);
    this.out = new BufferedOutputStream(socket.getOutputStream(), 128 << 10);
  }

  /** Sends one frame and flushes it. */
  void send(FrameType type, int stream, byte[] payload) throws IOException {
    sendUnflushed(type, stream, payload, 0, payload.length);
    out.flush();
  }

  /** Queues one frame without flushing (DATA frames of an upload). */
  void sendUnflushed(FrameType type, int stream, byte[] payload, int off, int len)
      throws IOException {
    new FrameHeader(type, stream, len).writeTo(ByteBuffer.wrap(header));
    out.write(header);
    out.write(payload, off, len);
  }

  void flush() throws IOException {
    out.flush();
  }

  /** Whether the server has sent something that was not read yet. */
  boolean readable() throws IOException {
    return rawIn.available() > 0;
  }

  /** Reads the next frame; refuses a frame the server may not send. */
  InboundFrame read() throws IOException {
    int length = in.readInt();
    FrameHeader.checkLength(Integer.toUnsignedLong(length), Wire.MAX_FRAME_LENGTH);
    int code = in.readUnsignedByte();
    FrameType type = FrameType.of(code);
    if (type == null || !type.fromServer()) {
      throw new ProtocolException(String.format("server sent frame type 0x%02x", code));
    }
    int stream = in.readInt();
    byte[] payload = new byte[length - Wire.HEADER];
    in.readFully(payload);
    return new InboundFrame(type, stream, payload);
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}
