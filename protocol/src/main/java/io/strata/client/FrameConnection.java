package io.strata.client;

import io.strata.protocol.FrameHeader;
import io.strata.protocol.FrameType;
import io.strata.protocol.ProtocolException;
import io.strata.protocol.Wire;
import java.io.BufferedOutputStream;
import java.io.Closeable;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Frames over one blocking socket. Sending is thread-safe (each frame goes out whole, under a lock,
 * so the requests of several threads interleave by frame); reading is for one thread at a time, the
 * handshake's and then the {@link ReplyRouter}'s.
 *
 * <p>Inbound frames are cut in place from one reused buffer that the socket fills as far as it can:
 * a download costs no allocation per frame, and its payloads are copied once, from the socket into
 * this buffer, before the caller's stream takes them.
 */
final class FrameConnection implements Closeable {
  /**
   * The read buffer's starting size: several DATA frames, so a frame that straddles the buffer's
   * end (whose start is then moved to the front) is rare. It grows if a frame does not fit.
   */
  private static final int READ_BUFFER = 256 << 10;

  private final Socket socket;
  private final InputStream in;
  private final OutputStream out;
  private final ReentrantLock sending = new ReentrantLock();
  private final byte[] header = new byte[FrameHeader.SIZE];
  private byte[] buf = new byte[READ_BUFFER];
  // The bytes received and not yet consumed are buf[start, end).
  private int start;
  private int end;

  FrameConnection(Socket socket) throws IOException {
    this.socket = socket;
    this.in = socket.getInputStream();
    this.out = new BufferedOutputStream(socket.getOutputStream(), 128 << 10);
  }

  /** Sends one frame and flushes it. */
  void send(FrameType type, int stream, byte[] payload) throws IOException {
    sending.lock();
    try {
      sendUnflushed(type, stream, payload, 0, payload.length);
      out.flush();
    } finally {
      sending.unlock();
    }
  }

  /**
   * Queues one frame without flushing (DATA frames of an upload): the buffer goes out when full, or
   * with the next frame sent flushed (the upload's END, or another thread's request).
   */
  void sendUnflushed(FrameType type, int stream, byte[] payload, int off, int len)
      throws IOException {
    sending.lock();
    try {
      new FrameHeader(type, stream, len).writeTo(ByteBuffer.wrap(header));
      out.write(header);
      out.write(payload, off, len);
    } finally {
      sending.unlock();
    }
  }

  /**
   * Reads the next frame; refuses a frame the server may not send. Its payload stays valid until
   * the next call.
   */
  InboundFrame read() throws IOException {
    fill(Wire.LENGTH_FIELD);
    int length = ByteBuffer.wrap(buf, start, Wire.LENGTH_FIELD).getInt();
    FrameHeader.checkLength(Integer.toUnsignedLong(length), Wire.MAX_FRAME_LENGTH);
    fill(Wire.LENGTH_FIELD + length);
    int code = buf[start + Wire.LENGTH_FIELD] & 0xFF;
    FrameType type = FrameType.of(code);
    if (type == null || !type.fromServer()) {
      throw new ProtocolException(String.format("server sent frame type 0x%02x", code));
    }
    int stream = ByteBuffer.wrap(buf, start + Wire.LENGTH_FIELD + 1, 4).getInt();
    InboundFrame f =
        new InboundFrame(type, stream, buf, start + FrameHeader.SIZE, length - Wire.HEADER);
    start += Wire.LENGTH_FIELD + length;
    return f;
  }

  /**
   * Makes {@code n} unconsumed bytes available from {@code start}, reading as much as the socket
   * has (not just {@code n}) so that a download takes few reads. Moves the unconsumed bytes to the
   * front, or to a larger buffer, when {@code n} would not fit after them.
   */
  private void fill(int n) throws IOException {
    if (end - start >= n) {
      return;
    }
    if (buf.length - start < n) {
      byte[] to = buf.length < n ? new byte[Math.max(n, 2 * buf.length)] : buf;
      System.arraycopy(buf, start, to, 0, end - start);
      end -= start;
      start = 0;
      buf = to;
    }
    while (end - start < n) {
      int r = in.read(buf, end, buf.length - end);
      if (r < 0) {
        throw new EOFException("the server closed the connection");
      }
      end += r;
    }
  }

  /**
   * The first line of what was received and not consumed, printable ASCII only and at most 80
   * characters: what a peer that is not a Strata server said.
   */
  String receivedText() {
    StringBuilder b = new StringBuilder();
    for (int i = start; i < end && b.length() < 80; i++) {
      int c = buf[i] & 0xFF;
      if (c == '\n' || c == '\r') {
        if (b.length() > 0) {
          break;
        }
      } else if (c >= 0x20 && c < 0x7F) {
        b.append((char) c);
      }
    }
    return b.toString().strip();
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}
