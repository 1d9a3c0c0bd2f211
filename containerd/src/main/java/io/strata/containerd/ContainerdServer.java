package io.strata.containerd;

import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.MultiThreadIoEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.Epoll;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollIoHandler;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.unix.DomainSocketAddress;
import io.strata.store.Engine;
import io.strata.store.driver.SnapshotSetDriver;
import io.strata.store.driver.StorageDriver;
import java.io.Closeable;
import java.io.IOException;
import java.net.ConnectException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * containerd's snapshots and content services on a unix socket, as stratad serves them with {@code
 * --containerd-socket PATH}. The socket is made with mode 0660 (containerd runs as root; a group
 * may be let in); a socket file left by a killed server is replaced, one a live server answers on
 * is refused, and {@link #close} removes it.
 *
 * <p>gRPC runs on grpc-netty-shaded: its own relocated Netty, with the epoll transport that serves
 * unix domain sockets, so gRPC's Netty never has to match the version stratad's own protocol uses.
 */
public final class ContainerdServer implements Closeable {
  private static final System.Logger LOG = System.getLogger(ContainerdServer.class.getName());

  /** A Write message carries at most this much (containerd's writers send 1 MiB at a time). */
  private static final int MAX_MESSAGE = 16 << 20;

  /**
   * gRPC asks every connection for TCP keep-alive, which a unix socket has no use for, and Netty
   * warns of the unknown option once per connection; kept here so the setting is not collected.
   */
  private static final java.util.logging.Logger NETTY_BOOTSTRAP =
      quiet("io.grpc.netty.shaded.io.netty.bootstrap");

  private static java.util.logging.Logger quiet(String name) {
    java.util.logging.Logger l = java.util.logging.Logger.getLogger(name);
    l.setLevel(java.util.logging.Level.SEVERE);
    return l;
  }

  private static final int S_IFMT = 0170000;
  private static final int S_IFSOCK = 0140000;

  private final Path socket;
  private final Server server;
  private final EventLoopGroup boss;
  private final EventLoopGroup workers;
  private final ExecutorService calls;
  private final Ingests ingests;

  private ContainerdServer(
      Path socket,
      Server server,
      EventLoopGroup boss,
      EventLoopGroup workers,
      ExecutorService calls,
      Ingests ingests) {
    this.socket = socket;
    this.server = server;
    this.boss = boss;
    this.workers = workers;
    this.calls = calls;
    this.ingests = ingests;
  }

  /**
   * Removes the intermediate snapshots of remote-snapshot clones that a crash interrupted (between
   * the clone's prepare and commit): nothing refers to them, and they hold their source's chunks.
   */
  static void removeUnfinishedClones(StorageDriver driver) throws IOException {
    List<String> left = new ArrayList<>();
    driver.walk(
        s -> {
          if (s.key().startsWith(SnapshotSetDriver.CLONE_TMP)) {
            left.add(s.key());
          }
        });
    for (String key : left) {
      LOG.log(System.Logger.Level.INFO, "removing {0}, a clone a crash interrupted", key);
      driver.remove(key);
    }
  }

  /**
   * Serves {@code engine}'s storage driver and chunk store on unix socket {@code socket}; {@code
   * mounts} says where snapshots are mounted ({@link SnapshotMounts#unavailable()} without FUSE).
   */
  public static ContainerdServer start(Engine engine, Path socket, SnapshotMounts mounts)
      throws IOException {
    Path path = socket.toAbsolutePath().normalize();
    if (!Epoll.isAvailable()) {
      throw new IOException(
          "containerd socket " + path + ": unix sockets need the epoll transport, unavailable here",
          Epoll.unavailabilityCause());
    }
    replaceStale(path);
    removeUnfinishedClones(engine.storage());
    Ingests ingests = new Ingests(engine.chunks());
    AtomicInteger n = new AtomicInteger();
    ExecutorService calls =
        Executors.newFixedThreadPool(
            Math.max(4, Runtime.getRuntime().availableProcessors()),
            r -> {
              Thread t = new Thread(r, "stratad-containerd-" + n.incrementAndGet());
              t.setDaemon(true);
              return t;
            });
    EventLoopGroup boss = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
    EventLoopGroup workers = new MultiThreadIoEventLoopGroup(2, EpollIoHandler.newFactory());
    try {
      Server server =
          NettyServerBuilder.forAddress(new DomainSocketAddress(path.toString()))
              .channelType(EpollServerDomainSocketChannel.class)
              .bossEventLoopGroup(boss)
              .workerEventLoopGroup(workers)
              .executor(calls)
              .maxInboundMessageSize(MAX_MESSAGE)
              .intercept(new Namespaces())
              .addService(new SnapshotsService(engine.storage(), engine.chunks(), mounts))
              .addService(new ContentService(engine.chunks(), ingests, Clock.systemUTC()))
              .build()
              .start();
      Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rw-rw----"));
      LOG.log(System.Logger.Level.INFO, "serving containerd snapshots and content on {0}", path);
      return new ContainerdServer(path, server, boss, workers, calls, ingests);
    } catch (IOException | RuntimeException e) {
      boss.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
      workers.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
      calls.shutdownNow();
      ingests.closeAll();
      throw new IOException("containerd socket " + path + ": cannot listen: " + e.getMessage(), e);
    }
  }

  /**
   * Removes a socket file no server answers on (left by a killed stratad); refuses a path that is
   * not a socket or that a live server holds.
   */
  private static void replaceStale(Path path) throws IOException {
    if (!Files.exists(path, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    int mode =
        (Integer) Files.getAttribute(path, "unix:mode", java.nio.file.LinkOption.NOFOLLOW_LINKS);
    if ((mode & S_IFMT) != S_IFSOCK) {
      throw new IOException("containerd socket " + path + ": exists and is not a socket");
    }
    try (SocketChannel probe = SocketChannel.open(StandardProtocolFamily.UNIX)) {
      probe.connect(UnixDomainSocketAddress.of(path));
      throw new IOException("containerd socket " + path + ": another server is listening on it");
    } catch (ConnectException e) {
      LOG.log(System.Logger.Level.INFO, "replacing stale containerd socket {0}", path);
      Files.delete(path);
    }
  }

  /** The socket's path. */
  public Path socket() {
    return socket;
  }

  /**
   * Stops taking calls, lets calls in flight finish for up to five seconds, cancels the rest,
   * discards writes in progress and removes the socket file.
   */
  @Override
  public void close() {
    server.shutdown();
    try {
      if (!server.awaitTermination(5, TimeUnit.SECONDS)) {
        server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      server.shutdownNow();
      Thread.currentThread().interrupt();
    }
    calls.shutdown();
    ingests.closeAll();
    boss.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    workers.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    try {
      Files.deleteIfExists(socket);
    } catch (IOException e) {
      LOG.log(System.Logger.Level.WARNING, "cannot remove containerd socket " + socket, e);
    }
  }
}
