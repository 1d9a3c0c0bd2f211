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
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * containerd's snapshots and content services on unix sockets, as stratad serves them with {@code
 * --containerd-socket [NAME=]PATH}: one socket per containerd, each in a key space of its own
 * ({@link ContainerdSocket}) and owned by the first containerd process that calls on it ({@link
 * SocketOwner}). A socket is made with mode 0660 (containerd runs as root; a group may be let in);
 * a socket file left by a killed server is replaced, one a live server answers on is refused, and
 * {@link #close} removes them.
 *
 * <p>gRPC runs on grpc-netty-shaded: its own relocated Netty, with the epoll transport that serves
 * unix domain sockets, so gRPC's Netty never has to match the version stratad's own protocol uses.
 * The sockets share their event loops, call threads and writes in progress.
 */
public final class ContainerdServer implements Closeable {
  private static final System.Logger LOG = System.getLogger(ContainerdServer.class.getName());

  /** A Write message carries at most this much (containerd's writers send 1 MiB at a time). */
  private static final int MAX_MESSAGE = 16 << 20;

  /** What a unix socket's path may hold: {@code sun_path}'s 108 bytes, less the closing NUL. */
  static final int MAX_PATH_BYTES = 107;

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

  /** One socket served: its gRPC server and who owns it. */
  private record Served(ContainerdSocket socket, Server server, SocketOwner owner) {}

  private final List<Served> served;
  private final EventLoopGroup boss;
  private final EventLoopGroup workers;
  private final ExecutorService calls;
  private final Ingests ingests;

  private ContainerdServer(
      List<Served> served,
      EventLoopGroup boss,
      EventLoopGroup workers,
      ExecutorService calls,
      Ingests ingests) {
    this.served = served;
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
   * Serves {@code engine} on one socket, in the default space (see {@link #start(Engine, List,
   * SnapshotMounts)}).
   */
  public static ContainerdServer start(Engine engine, Path socket, SnapshotMounts mounts)
      throws IOException {
    return start(engine, List.of(ContainerdSocket.of(socket)), mounts);
  }

  /**
   * Serves {@code engine}'s storage driver and chunk store on each of {@code sockets} (distinct
   * spaces and paths: {@link ContainerdSocket#parseAll}); {@code mounts} says where snapshots are
   * mounted ({@link SnapshotMounts#unavailable()} without FUSE). A socket that cannot be served
   * fails the whole start, naming it, and leaves none served.
   */
  public static ContainerdServer start(
      Engine engine, List<ContainerdSocket> sockets, SnapshotMounts mounts) throws IOException {
    if (sockets.isEmpty()) {
      throw new IllegalArgumentException("no containerd socket to serve");
    }
    if (!Epoll.isAvailable()) {
      throw new IOException(
          "containerd socket "
              + sockets.get(0).path()
              + ": unix sockets need the epoll transport, unavailable here",
          Epoll.unavailabilityCause());
    }
    for (ContainerdSocket s : sockets) {
      checkPlace(s.path());
      replaceStale(s.path());
    }
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
    SnapshotsService snapshots = new SnapshotsService(engine.storage(), engine.chunks(), mounts);
    ContentService content = new ContentService(engine.chunks(), ingests, Clock.systemUTC());
    List<Served> served = new ArrayList<>();
    ContainerdServer started = new ContainerdServer(served, boss, workers, calls, ingests);
    for (ContainerdSocket s : sockets) {
      Path path = s.path();
      SocketOwner owner = new SocketOwner(path);
      try {
        Server server =
            NettyServerBuilder.forAddress(new DomainSocketAddress(path.toString()))
                .channelType(EpollServerDomainSocketChannel.class)
                .protocolNegotiator(new PeerNegotiator())
                .bossEventLoopGroup(boss)
                .workerEventLoopGroup(workers)
                .executor(calls)
                .maxInboundMessageSize(MAX_MESSAGE)
                .intercept(new Namespaces(s.space()))
                // the last added runs first: a refused process gets no further
                .intercept(owner)
                .addService(snapshots)
                .addService(content)
                .build()
                .start();
        served.add(new Served(s, server, owner));
        Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rw-rw----"));
      } catch (IOException | RuntimeException e) {
        started.close();
        throw new IOException("containerd socket " + path + ": cannot listen: " + causes(e), e);
      }
      LOG.log(
          System.Logger.Level.INFO,
          "serving containerd snapshots and content on {0} (space {1})",
          path,
          s.space());
    }
    return started;
  }

  /**
   * Says in one sentence why no unix socket can be made at {@code path}, for the causes that can be
   * told before binding (the kernel's bind error names none of them).
   */
  public static void checkPlace(Path path) throws IOException {
    int bytes = path.toString().getBytes(StandardCharsets.UTF_8).length;
    if (bytes > MAX_PATH_BYTES) {
      throw new IOException(
          "containerd socket "
              + path
              + ": a unix socket path is at most "
              + MAX_PATH_BYTES
              + " bytes; this one is "
              + bytes);
    }
    Path dir = path.getParent();
    if (dir == null) {
      return; // "/": not a socket, which replaceStale says
    }
    BasicFileAttributes attrs;
    try {
      attrs = Files.readAttributes(dir, BasicFileAttributes.class);
    } catch (NoSuchFileException e) {
      throw new IOException("containerd socket " + path + ": no such directory " + dir, e);
    } catch (AccessDeniedException e) {
      throw new IOException(
          "containerd socket " + path + ": permission denied looking up directory " + dir, e);
    }
    if (!attrs.isDirectory()) {
      throw new IOException("containerd socket " + path + ": " + dir + " is not a directory");
    }
    if (!Files.isWritable(dir) || !Files.isExecutable(dir)) {
      throw new IOException(
          "containerd socket "
              + path
              + ": this process may not create files in "
              + dir
              + " (permission denied, or a read-only file system)");
    }
  }

  /** {@code e}'s message and its causes', each once: gRPC's own names no reason. */
  private static String causes(Throwable e) {
    StringBuilder b = new StringBuilder(String.valueOf(e.getMessage()));
    for (Throwable c = e.getCause(); c != null && c != c.getCause(); c = c.getCause()) {
      if (c.getMessage() != null && b.indexOf(c.getMessage()) < 0) {
        b.append(": ").append(c.getMessage());
      }
    }
    return b.toString();
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

  /** The sockets' paths, in the order they were given. */
  public List<Path> sockets() {
    return served.stream().map(x -> x.socket().path()).toList();
  }

  /** The guard of socket {@code path} (tests). */
  SocketOwner ownerOf(Path path) {
    return served.stream()
        .filter(x -> x.socket().path().equals(path))
        .findFirst()
        .orElseThrow()
        .owner();
  }

  /**
   * Stops taking calls, lets calls in flight finish for up to five seconds, cancels the rest,
   * discards writes in progress and removes the socket file.
   */
  @Override
  public void close() {
    for (Served x : served) {
      x.server().shutdown();
    }
    try {
      for (Served x : served) {
        if (!x.server().awaitTermination(5, TimeUnit.SECONDS)) {
          x.server().shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
      }
    } catch (InterruptedException e) {
      for (Served x : served) {
        x.server().shutdownNow();
      }
      Thread.currentThread().interrupt();
    }
    calls.shutdown();
    ingests.closeAll();
    boss.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    workers.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    for (Served x : served) {
      try {
        Files.deleteIfExists(x.socket().path());
      } catch (IOException e) {
        LOG.log(
            System.Logger.Level.WARNING, "cannot remove containerd socket " + x.socket().path(), e);
      }
    }
  }
}
