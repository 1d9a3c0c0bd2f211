package io.strata.client.cli;

import io.strata.protocol.FrameHeader;
import io.strata.protocol.FrameType;
import io.strata.protocol.Opcode;
import io.strata.protocol.RequestHeader;
import io.strata.protocol.ResponseHeader;
import io.strata.protocol.Status;
import io.strata.protocol.Welcome;
import io.strata.protocol.Wire;
import io.strata.protocol.message.DriverPropertyArgs;
import io.strata.protocol.message.ErrorBody;
import io.strata.protocol.message.Json;
import io.strata.protocol.message.ListEnd;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A stratad from before {@code driver.set} (session 26 and older), for one connection: it answers
 * {@code driver.set} UNIMPLEMENTED, as such a server does, and {@code driver.property} with the row
 * of the property set, recording what it was asked to set.
 */
final class OlderDriverServer implements AutoCloseable {
  final List<DriverPropertyArgs> asked = new CopyOnWriteArrayList<>();

  /** The opcode of every request, in order (what else an older server was asked). */
  final List<Integer> opcodes = new CopyOnWriteArrayList<>();

  private final ServerSocket listener;
  private final Thread thread;

  OlderDriverServer() throws IOException {
    listener = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
    listener.setSoTimeout(30_000);
    thread = new Thread(this::serve, "older-driver-server");
    thread.setDaemon(true);
    thread.start();
  }

  String address() {
    return "127.0.0.1:" + listener.getLocalPort();
  }

  private void serve() {
    try (Socket s = listener.accept()) {
      OutputStream out = s.getOutputStream();
      DataInputStream in = new DataInputStream(s.getInputStream());
      frame(in); // HELLO
      send(
          out,
          FrameType.WELCOME,
          Wire.CONNECTION_STREAM,
          new Welcome(Wire.VERSION, false, Wire.MAX_FRAME_LENGTH, 16, "older").encode());
      while (true) {
        Object[] f = frame(in);
        if (f[0] != FrameType.REQUEST) {
          continue;
        }
        int stream = (Integer) f[1];
        RequestHeader r = RequestHeader.decode(ByteBuffer.wrap((byte[]) f[2]));
        opcodes.add(r.opcode());
        if (r.opcode() == Opcode.DRIVER_PROPERTY.code()) {
          DriverPropertyArgs a = Json.read(r.args(), DriverPropertyArgs.class, "args");
          asked.add(a);
          String row =
              "{\"name\":\"strata/1\",\"property\":\""
                  + a.property()
                  + "\",\"value\":\""
                  + a.value()
                  + "\",\"source\":\"local\"}\n";
          send(out, FrameType.DATA, stream, row.getBytes(StandardCharsets.UTF_8));
          send(
              out,
              FrameType.RESPONSE,
              stream,
              new ResponseHeader(Status.OK, Json.write(new ListEnd(1))).encode());
        } else {
          send(
              out,
              FrameType.RESPONSE,
              stream,
              new ResponseHeader(
                      Status.UNIMPLEMENTED,
                      Json.write(
                          new ErrorBody(
                              "operation 0x"
                                  + Integer.toHexString(r.opcode())
                                  + " is not served by this server (protocol 1)")))
                  .encode());
        }
      }
    } catch (IOException e) {
      // the client went away
    }
  }

  private static Object[] frame(DataInputStream in) throws IOException {
    int length = in.readInt();
    FrameType type = FrameType.of(in.readUnsignedByte());
    int stream = in.readInt();
    byte[] payload = new byte[length - Wire.HEADER];
    in.readFully(payload);
    return new Object[] {type, stream, payload};
  }

  private static void send(OutputStream out, FrameType type, int stream, byte[] payload)
      throws IOException {
    out.write(FrameHeader.frame(type, stream, payload));
    out.flush();
  }

  @Override
  public void close() throws IOException {
    listener.close();
  }
}
