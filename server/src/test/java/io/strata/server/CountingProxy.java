package io.strata.server;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A TCP forwarder on a loopback port that counts every byte crossing it in each direction: what a
 * transfer really put on the wire, measured outside the code under test.
 */
final class CountingProxy implements AutoCloseable {
  private final ServerSocket listener;
  private final InetSocketAddress target;
  private final AtomicLong down = new AtomicLong();
  private final AtomicLong up = new AtomicLong();

  CountingProxy(int targetPort) throws IOException {
    this.target = new InetSocketAddress(InetAddress.getLoopbackAddress(), targetPort);
    this.listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    Thread t = new Thread(this::accept, "counting-proxy");
    t.setDaemon(true);
    t.start();
  }

  int port() {
    return listener.getLocalPort();
  }

  /** Bytes from the target to clients since the last {@link #reset}. */
  long down() {
    return down.get();
  }

  /** Bytes from clients to the target since the last {@link #reset}. */
  long up() {
    return up.get();
  }

  void reset() {
    down.set(0);
    up.set(0);
  }

  private void accept() {
    while (!listener.isClosed()) {
      try {
        Socket client = listener.accept();
        Socket server = new Socket(target.getAddress(), target.getPort());
        pipe(client, server, up);
        pipe(server, client, down);
      } catch (IOException e) {
        return;
      }
    }
  }

  private static void pipe(Socket from, Socket to, AtomicLong count) {
    Thread t =
        new Thread(
            () -> {
              byte[] buf = new byte[64 << 10];
              try (InputStream in = from.getInputStream();
                  OutputStream out = to.getOutputStream()) {
                int n;
                while ((n = in.read(buf)) > 0) {
                  out.write(buf, 0, n);
                  count.addAndGet(n);
                }
              } catch (IOException e) {
                // one side closed: close both
              } finally {
                try {
                  from.close();
                  to.close();
                } catch (IOException e) {
                  // closing
                }
              }
            },
            "counting-proxy-pipe");
    t.setDaemon(true);
    t.start();
  }

  @Override
  public void close() throws IOException {
    listener.close();
  }
}
