package io.strata.server;

import io.strata.client.StrataClient;
import io.strata.client.cli.StrataCli;
import io.strata.client.cli.Terminal;
import io.strata.protocol.HostPort;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A real stratad in this JVM on a free loopback port, and the real client (library and CLI) pointed
 * at it.
 */
final class TestServer implements AutoCloseable {
  private ServerConfig config;
  private StrataServer server;

  private TestServer(ServerConfig config) throws StartupException {
    this.config = config;
    this.server = StrataServer.start(config);
  }

  static TestServer start(ServerConfig config) throws StartupException {
    return new TestServer(config);
  }

  static TestServer start(Path data) throws StartupException {
    return start(ServerConfig.loopback(data));
  }

  /**
   * A loopback server over {@code data} with storage driver {@code driver} and --allow-bind dirs.
   */
  static TestServer start(Path data, String driver, List<Path> allowBind) throws StartupException {
    ServerConfig c = ServerConfig.loopback(data).withDriver(driver);
    return start(
        new ServerConfig(
            c.listen(),
            c.dataRoot(),
            c.dataLabel(),
            c.driver(),
            c.compression(),
            c.token(),
            allowBind,
            c.metrics(),
            c.limits(),
            c.containerdSockets()));
  }

  /** Where it listens. */
  HostPort address() {
    return new HostPort("127.0.0.1", server.address().getPort());
  }

  StrataServer server() {
    return server;
  }

  /** A client without a token. */
  StrataClient client() throws Exception {
    return StrataClient.connect(address(), null);
  }

  /** Stops it gracefully and starts it again on the same data root (and a new port). */
  void restart() throws StartupException {
    server.close();
    server = StrataServer.start(config);
  }

  /** Stops it gracefully. */
  @Override
  public void close() {
    server.close();
  }

  /** What one run of the CLI did. */
  record CliRun(int code, byte[] stdout, String stderr) {
    String out() {
      return new String(stdout, StandardCharsets.UTF_8);
    }
  }

  /** Runs {@code strata ARGS} with STRATA_HOST set to this server. */
  CliRun cli(String... args) {
    return cli(Map.of(), new ByteArrayInputStream(new byte[0]), args);
  }

  /** Runs {@code strata ARGS} with more environment and a standard input. */
  CliRun cli(Map<String, String> env, InputStream stdin, String... args) {
    Map<String, String> e = new HashMap<>(env);
    e.putIfAbsent("STRATA_HOST", address().toString());
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    Terminal t =
        new Terminal(
            stdin,
            out,
            new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8),
            e,
            false);
    int code = StrataCli.run(args, t);
    return new CliRun(code, out.toByteArray(), err.toString(StandardCharsets.UTF_8));
  }
}
