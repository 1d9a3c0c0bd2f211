package io.strata.client;

import io.strata.protocol.FrameHeader;
import io.strata.protocol.FrameType;
import io.strata.protocol.HostPort;
import io.strata.protocol.Opcode;
import io.strata.protocol.RequestHeader;
import io.strata.protocol.ResponseHeader;
import io.strata.protocol.Status;
import io.strata.protocol.Welcome;
import io.strata.protocol.Wire;
import io.strata.protocol.message.ErrorBody;
import io.strata.protocol.message.GetArgs;
import io.strata.protocol.message.GetEnd;
import io.strata.protocol.message.Json;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A stratad of one connection that answers {@code blob.get} from a script, each request on a thread
 * of its own so that answers interleave and come in whatever order requests finish, as the real
 * server's do. The digest says what to do: {@code size:N} sends N bytes of {@link #content}, {@code
 * slow:N} the same once {@link #release} is counted down, {@code missing} answers NOT_FOUND. It
 * counts the streams in flight (and the most at once), the CANCELs it got, and can drop the
 * connection.
 */
final class ScriptedServer implements AutoCloseable {
  final CountDownLatch release = new CountDownLatch(1);
  final AtomicInteger inFlight = new AtomicInteger();
  final AtomicInteger mostInFlight = new AtomicInteger();
  final AtomicInteger requests = new AtomicInteger();
  final Set<Integer> cancelled = ConcurrentHashMap.newKeySet();
  private final int maxStreams;
  private final ServerSocket listener;
  private final ExecutorService threads = Executors.newCachedThreadPool();
  private volatile Socket socket;
  private OutputStream out;

  ScriptedServer(int maxStreams) throws IOException {
    this.maxStreams = maxStreams;
    this.listener = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
    threads.execute(this::serve);
  }

  HostPort address() {
    return new HostPort("127.0.0.1", listener.getLocalPort());
  }

  /** Byte {@code i} of the content of {@code digest}. */
  static byte content(String digest, long i) {
    return (byte) (i * 7 + digest.hashCode());
  }

  /** Drops the connection, as a crashed server would. */
  void drop() throws IOException {
    socket.close();
  }

  private void serve() {
    try (Socket s = listener.accept()) {
      socket = s;
      out = new BufferedOutputStream(s.getOutputStream(), 1 << 16);
      DataInputStream in = new DataInputStream(s.getInputStream());
      read(in); // HELLO
      send(
          FrameType.WELCOME,
          Wire.CONNECTION_STREAM,
          new Welcome(Wire.VERSION, false, Wire.MAX_FRAME_LENGTH, maxStreams, "scripted").encode());
      while (true) {
        Frame f = read(in);
        if (f.type == FrameType.REQUEST) {
          int n = inFlight.incrementAndGet();
          mostInFlight.accumulateAndGet(n, Math::max);
          requests.incrementAndGet();
          RequestHeader r = RequestHeader.decode(ByteBuffer.wrap(f.payload));
          threads.execute(() -> answer(f.stream, r));
        } else if (f.type == FrameType.CANCEL) {
          cancelled.add(f.stream);
        }
      }
    } catch (IOException e) {
      // the client went away, or the test dropped the connection
    }
  }

  private record Frame(FrameType type, int stream, byte[] payload) {}

  private static Frame read(DataInputStream in) throws IOException {
    int length = in.readInt();
    FrameType type = FrameType.of(in.readUnsignedByte());
    int stream = in.readInt();
    byte[] payload = new byte[length - Wire.HEADER];
    in.readFully(payload);
    return new Frame(type, stream, payload);
  }

  private void answer(int stream, RequestHeader r) {
    try {
      if (r.opcode() != Opcode.BLOB_GET.code()) {
        respond(stream, Status.UNIMPLEMENTED, new ErrorBody("scripted: blob.get only"));
        return;
      }
      String digest = Json.read(r.args(), GetArgs.class, "args").digest();
      if (digest.equals("missing")) {
        respond(stream, Status.NOT_FOUND, new ErrorBody("blob missing not found"));
        return;
      }
      if (digest.startsWith("slow:")) {
        release.await();
      }
      long size = Long.parseLong(digest.substring(digest.indexOf(':') + 1));
      byte[] frame = new byte[Wire.DATA_CHUNK];
      for (long sent = 0; sent < size; ) {
        if (cancelled.contains(stream)) {
          respond(stream, Status.CANCELLED, new ErrorBody("cancelled"));
          return;
        }
        int n = (int) Math.min(frame.length, size - sent);
        for (int i = 0; i < n; i++) {
          frame[i] = content(digest, sent + i);
        }
        send(FrameType.DATA, stream, java.util.Arrays.copyOf(frame, n));
        sent += n;
      }
      respond(stream, Status.OK, new GetEnd(size));
    } catch (IOException | InterruptedException e) {
      // the connection is gone
    }
  }

  private void respond(int stream, Status status, Object body) throws IOException {
    inFlight.decrementAndGet();
    send(FrameType.RESPONSE, stream, new ResponseHeader(status, Json.write(body)).encode());
  }

  private synchronized void send(FrameType type, int stream, byte[] payload) throws IOException {
    out.write(FrameHeader.frame(type, stream, payload));
    out.flush();
  }

  @Override
  public void close() throws IOException {
    release.countDown();
    threads.shutdownNow();
    listener.close();
    if (socket != null) {
      socket.close();
    }
  }
}
