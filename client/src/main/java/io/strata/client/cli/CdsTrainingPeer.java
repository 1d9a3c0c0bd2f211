package io.strata.client.cli;

import io.strata.protocol.FrameHeader;
import io.strata.protocol.FrameType;
import io.strata.protocol.ResponseHeader;
import io.strata.protocol.Status;
import io.strata.protocol.Welcome;
import io.strata.protocol.Wire;
import io.strata.protocol.message.ContainerItem;
import io.strata.protocol.message.ImageItem;
import io.strata.protocol.message.Json;
import io.strata.protocol.message.ListEnd;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;

/**
 * The server side of {@link CdsTraining}'s quick-path runs: on a loopback port, it answers each
 * connection's HELLO with a WELCOME and each request with one listing line (a container, an image)
 * and its end, or an {@code info} reply, so that the training walks the client's connection, its
 * reader thread and the streaming of a reply, and the archive holds their classes. Not a server: it
 * knows nothing of the requests beyond which reply shape the run expects.
 */
final class CdsTrainingPeer implements AutoCloseable {
  private static final int TIMEOUT_MS = 10_000;

  private final ServerSocket socket;

  CdsTrainingPeer() throws IOException {
    socket = new ServerSocket(0, 4, InetAddress.getLoopbackAddress());
    socket.setSoTimeout(TIMEOUT_MS); // a training that goes wrong ends, it does not hang a build
  }

  /** {@code 127.0.0.1:PORT}. */
  String address() {
    return "127.0.0.1:" + socket.getLocalPort();
  }

  /** Answers the next connection's one request with {@code line} (null: none) and {@code end}. */
  Thread answerOnce(Object line, Object end) {
    Thread t =
        new Thread(
            () -> {
              try (Socket s = socket.accept()) {
                s.setSoTimeout(TIMEOUT_MS);
                DataInputStream in = new DataInputStream(s.getInputStream());
                OutputStream out = s.getOutputStream();
                skipFrame(in); // HELLO
                out.write(
                    FrameHeader.frame(
                        FrameType.WELCOME,
                        Wire.CONNECTION_STREAM,
                        new Welcome(Wire.VERSION, false, 1 << 20, 16, "training").encode()));
                int stream = skipFrame(in); // REQUEST
                if (line != null) {
                  byte[] json = Json.write(line);
                  byte[] data = new byte[json.length + 1];
                  System.arraycopy(json, 0, data, 0, json.length);
                  data[json.length] = '\n';
                  out.write(FrameHeader.frame(FrameType.DATA, stream, data));
                }
                byte[] reply = new ResponseHeader(Status.OK, Json.write(end)).encode();
                out.write(FrameHeader.frame(FrameType.RESPONSE, stream, reply));
                out.flush();
                while (in.read() >= 0) {
                  // until the client closes
                }
              } catch (IOException e) {
                // the training run reports what it can; the archive takes what was loaded
              }
            },
            "cds-training-peer");
    t.setDaemon(true);
    t.start();
    return t;
  }

  /** Reads one frame; returns its stream. */
  private static int skipFrame(DataInputStream in) throws IOException {
    byte[] header = new byte[FrameHeader.SIZE];
    in.readFully(header);
    ByteBuffer b = ByteBuffer.wrap(header);
    int length = b.getInt() - Wire.HEADER;
    b.get();
    int stream = b.getInt();
    in.readFully(new byte[length]);
    return stream;
  }

  /** The replies of {@code ps}, {@code images} and {@code version}, one connection each. */
  static void train(Iterable<String[]> runs, Terminal sink) throws IOException {
    try (CdsTrainingPeer peer = new CdsTrainingPeer()) {
      for (String[] run : runs) {
        String command = run[0];
        Thread t =
            switch (command) {
              case "ps" ->
                  peer.answerOnce(
                      new ContainerItem("0".repeat(64), "n", "i:1", "sha256:00", "2026", 1, 2, 3),
                      new ListEnd(1));
              case "images" ->
                  peer.answerOnce(new ImageItem("i", "1", "sha256:00", 1, 2, 3), new ListEnd(1));
              default -> peer.answerOnce(null, CdsTraining.INFO);
            };
        String[] args = new String[run.length + 2];
        args[0] = "--host";
        args[1] = peer.address();
        System.arraycopy(run, 0, args, 2, run.length);
        QuickCommand.run(args, sink);
        try {
          t.join(TIMEOUT_MS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        }
      }
    }
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}
