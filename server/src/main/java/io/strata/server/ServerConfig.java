package io.strata.server;

import io.strata.containerd.ContainerdSocket;
import io.strata.protocol.HostPort;
import io.strata.server.handler.Limits;
import io.strata.server.registry.RegistryConfig;
import io.strata.store.compress.Compression;
import java.nio.file.Path;
import java.util.List;

/**
 * Everything stratad is started with.
 *
 * @param listen the address to serve the protocol on
 * @param dataRoot the data root
 * @param dataLabel the data root as the user wrote it, for the ready line
 * @param driver the storage driver asked for, or null to keep the root's
 * @param compression the codec of new chunks
 * @param token the shared secret every client must present, or null
 * @param allowBind directories bind-mount sources may lie under
 * @param metrics the address of the Prometheus endpoint, or null
 * @param limits the bounds on peers
 * @param containerdSockets the unix sockets to serve containerd's snapshots and content services
 *     on, each in its own space (none: not served)
 * @param registry how to serve the OCI distribution API, or null for not at all
 * @param shared the bucket the chunk store shares with other stratads, or null for a store of this
 *     disk only
 */
public record ServerConfig(
    HostPort listen,
    Path dataRoot,
    String dataLabel,
    String driver,
    Compression compression,
    byte[] token,
    List<Path> allowBind,
    HostPort metrics,
    Limits limits,
    List<ContainerdSocket> containerdSockets,
    RegistryConfig registry,
    SharedConfig shared) {
  public ServerConfig {
    token = token == null ? null : token.clone();
    allowBind = List.copyOf(allowBind);
    containerdSockets = containerdSockets == null ? List.of() : List.copyOf(containerdSockets);
  }

  /** A configuration without the registry endpoint. */
  public ServerConfig(
      HostPort listen,
      Path dataRoot,
      String dataLabel,
      String driver,
      Compression compression,
      byte[] token,
      List<Path> allowBind,
      HostPort metrics,
      Limits limits,
      List<ContainerdSocket> containerdSockets) {
    this(
        listen,
        dataRoot,
        dataLabel,
        driver,
        compression,
        token,
        allowBind,
        metrics,
        limits,
        containerdSockets,
        null,
        null);
  }

  /** This configuration with the OCI distribution API served as {@code r} says. */
  public ServerConfig withRegistry(RegistryConfig r) {
    return with(f -> f.registry = r);
  }

  /** This configuration with its chunk store shared through a bucket ({@code null}: local). */
  public ServerConfig withShared(SharedConfig s) {
    return with(f -> f.shared = s);
  }

  /** This configuration with a token. */
  public ServerConfig withToken(byte[] t) {
    return with(f -> f.token = t);
  }

  /** This configuration with other limits. */
  public ServerConfig withLimits(Limits l) {
    return with(f -> f.limits = l);
  }

  /** This configuration with a metrics endpoint. */
  public ServerConfig withMetrics(HostPort m) {
    return with(f -> f.metrics = m);
  }

  /** This configuration with a driver. */
  public ServerConfig withDriver(String d) {
    return with(f -> f.driver = d);
  }

  /** This configuration with containerd's services on unix sockets {@code sockets}. */
  public ServerConfig withContainerdSockets(List<ContainerdSocket> sockets) {
    return with(f -> f.containerdSockets = sockets);
  }

  @Override
  public byte[] token() {
    return token == null ? null : token.clone();
  }

  /** A loopback server on a free port over {@code dataRoot}, with default settings. */
  public static ServerConfig loopback(Path dataRoot) {
    return new ServerConfig(
        new HostPort("127.0.0.1", 0),
        dataRoot,
        dataRoot.toString(),
        null,
        Compression.DEFAULT,
        null,
        List.of(),
        null,
        Limits.defaults(),
        List.of());
  }

  /** This configuration with what {@code change} sets in a copy of its fields. */
  private ServerConfig with(java.util.function.Consumer<Fields> change) {
    Fields f = new Fields(this);
    change.accept(f);
    return new ServerConfig(
        listen,
        dataRoot,
        dataLabel,
        f.driver,
        compression,
        f.token,
        allowBind,
        f.metrics,
        f.limits,
        f.containerdSockets,
        f.registry,
        f.shared);
  }

  /** The fields a {@code with} method may change, copied from a configuration. */
  private static final class Fields {
    String driver;
    byte[] token;
    HostPort metrics;
    Limits limits;
    List<ContainerdSocket> containerdSockets;
    RegistryConfig registry;
    SharedConfig shared;

    Fields(ServerConfig c) {
      driver = c.driver;
      token = c.token;
      metrics = c.metrics;
      limits = c.limits;
      containerdSockets = c.containerdSockets;
      registry = c.registry;
      shared = c.shared;
    }
  }
}
