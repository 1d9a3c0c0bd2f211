package io.strata.perf.server;

import io.strata.client.StrataClient;
import io.strata.perf.ScratchDir;
import io.strata.protocol.HostPort;
import io.strata.server.ServerConfig;
import io.strata.server.StartupException;
import io.strata.server.StrataServer;
import java.io.IOException;
import java.nio.file.Path;

/**
 * A stratad in this JVM, on a free loopback port, over a fresh data root that is deleted when it
 * stops. The server runs with the defaults of the {@code stratad} command (btrfs, zstd:3, verify on
 * write), so it stores exactly as the embedded engine opened with default options does.
 */
final class LoopbackServer implements AutoCloseable {
  private final ScratchDir dir;
  private final StrataServer server;

  private LoopbackServer(ScratchDir dir, StrataServer server) {
    this.dir = dir;
    this.server = server;
  }

  /** Starts a server over a new data root under {@code scratch}. */
  static LoopbackServer start(Path scratch) throws IOException {
    ScratchDir dir = ScratchDir.create(scratch, "strata-stratad-");
    try {
      return new LoopbackServer(dir, StrataServer.start(ServerConfig.loopback(dir.path())));
    } catch (StartupException e) {
      dir.close();
      throw new IOException("stratad over " + dir.path() + " did not start: " + e.getMessage(), e);
    }
  }

  /** Where it listens. */
  HostPort address() {
    return new HostPort("127.0.0.1", server.address().getPort());
  }

  /** A new connection without a token. */
  StrataClient connect() throws IOException {
    return StrataClient.connect(address(), null);
  }

  /** Stops the server gracefully, then deletes its data root. */
  @Override
  public void close() throws IOException {
    try {
      server.close();
    } finally {
      dir.close();
    }
  }
}
