package io.strata.client;

import io.strata.protocol.FrameType;
import io.strata.protocol.Wire;
import java.io.IOException;
import java.io.OutputStream;

/**
 * The DATA frames of one upload as an output stream: bytes are cut into frames of {@link
 * Wire#DATA_CHUNK}. Before each frame it looks whether the server answered already (an error that
 * refuses the rest), so a refused upload stops soon after the answer arrives.
 */
final class UploadStream extends OutputStream {
  /** The server answered before the upload ended; the caller reads the answer. */
  static final class AnsweredEarly extends IOException {
    private static final long serialVersionUID = 1L;

    AnsweredEarly() {
      super("the server answered before the upload ended");
    }
  }

  /** Sending failed: the connection, not the caller's source, is at fault. */
  static final class ConnectionFailed extends IOException {
    private static final long serialVersionUID = 1L;

    ConnectionFailed(IOException cause) {
      super(cause.getMessage(), cause);
    }
  }

  private final FrameConnection connection;
  private final StreamInbox stream;
  private final TransferListener progress;
  private final byte[] buf = new byte[Wire.DATA_CHUNK];
  private int filled;

  UploadStream(FrameConnection connection, StreamInbox stream, TransferListener progress) {
    this.connection = connection;
    this.stream = stream;
    this.progress = progress;
  }

  @Override
  public void write(int b) throws IOException {
    if (filled == buf.length) {
      sendFrame();
    }
    buf[filled++] = (byte) b;
  }

  @Override
  public void write(byte[] b, int off, int len) throws IOException {
    while (len > 0) {
      if (filled == buf.length) {
        sendFrame();
      }
      int n = Math.min(len, buf.length - filled);
      System.arraycopy(b, off, buf, filled, n);
      filled += n;
      off += n;
      len -= n;
    }
  }

  /** Sends what is buffered; the upload's last frame. */
  void finish() throws IOException {
    sendFrame();
  }

  private void sendFrame() throws IOException {
    if (filled == 0) {
      return;
    }
    if (stream.answered()) {
      throw new AnsweredEarly();
    }
    try {
      connection.sendUnflushed(FrameType.DATA, stream.stream(), buf, 0, filled);
    } catch (IOException e) {
      throw new ConnectionFailed(e);
    }
    progress.transferred(filled);
    filled = 0;
  }
}
