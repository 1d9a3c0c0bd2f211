package io.strata.server;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.strata.containerd.ContainerdServer;
import io.strata.containerd.SnapshotMounts;
import io.strata.protocol.HostPort;
import io.strata.server.handler.Limits;
import io.strata.server.handler.ServerState;
import io.strata.server.handler.StrataChannelInitializer;
import io.strata.server.metrics.MetricsServer;
import io.strata.server.metrics.ServerMetrics;
import io.strata.server.op.Operations;
import io.strata.store.engine.ChunkStore;
import io.strata.store.engine.Engine;
import io.strata.store.engine.Version;
import io.strata.store.error.StrataException;
import java.io.Closeable;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A running stratad: the engine, the event loops, the engine executor, the listening socket and the
 * optional metrics endpoint. {@link #close} shuts down in the order that loses nothing: stop
 * accepting and refuse new requests, let requests in flight finish (up to the grace period), close
 * the connections (cancelling what is left), drain the engine executor, close the engine.
 */
public final class StrataServer implements Closeable {
  private static final System.Logger LOG = System.getLogger(StrataServer.class.getName());
  private static final String NAME = "stratad " + Version.VERSION;

  private final Engine engine;
  private final EventLoopGroup boss;
  private final EventLoopGroup workers;
  private final ThreadPoolExecutor engineExecutor;
  private final Operations operations;
  private final ServerState state;
  private final Channel listener;
  private final MetricsServer metricsServer;
  private final ContainerdServer containerd;
  private final Limits limits;
  private final AtomicBoolean closing = new AtomicBoolean();
  private final CountDownLatch closed = new CountDownLatch(1);

  private StrataServer(
      Engine engine,
      EventLoopGroup boss,
      EventLoopGroup workers,
      ThreadPoolExecutor engineExecutor,
      Operations operations,
      ServerState state,
      Channel listener,
      MetricsServer metricsServer,
      ContainerdServer containerd,
      Limits limits) {
    this.engine = engine;
    this.boss = boss;
    this.workers = workers;
    this.engineExecutor = engineExecutor;
    this.operations = operations;
    this.state = state;
    this.listener = listener;
    this.metricsServer = metricsServer;
    this.containerd = containerd;
    this.limits = limits;
  }

  /** Opens the data root and starts serving; fails fast with a message naming the problem. */
  public static StrataServer start(ServerConfig config) throws StartupException {
    InetSocketAddress listen = resolve(config.listen(), "--listen");
    if (config.token() == null && !listen.getAddress().isLoopbackAddress()) {
      throw new StartupException(
          "--listen "
              + config.listen()
              + " is not a loopback address; serving other hosts requires --token-file");
    }
    InetSocketAddress metricsAt =
        config.metrics() == null ? null : resolve(config.metrics(), "--metrics");
    Engine engine;
    try {
      engine =
          Engine.open(
              config.dataRoot(),
              config.driver(),
              ChunkStore.Options.defaults().withCompression(config.compression()));
    } catch (StrataException e) {
      throw new StartupException(e.getMessage(), e);
    } catch (IOException e) {
      throw new StartupException("data root " + config.dataRoot() + ": " + e.getMessage(), e);
    }
    Limits limits = config.limits();
    EventLoopGroup boss = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    EventLoopGroup workers =
        new MultiThreadIoEventLoopGroup(
            Math.max(2, Runtime.getRuntime().availableProcessors()), NioIoHandler.newFactory());
    ThreadPoolExecutor pool = engineExecutor(limits.engineThreads());
    try {
      ServerMetrics metrics = new ServerMetrics();
      ServerState state = new ServerState(metrics);
      Operations ops;
      try {
        ops = Operations.over(engine, metrics::gc, config.allowBind());
      } catch (IOException e) {
        throw new StartupException(
            "data root "
                + config.dataRoot()
                + ": cannot open its images and containers: "
                + e.getMessage(),
            e);
      }
      ServerBootstrap b =
          new ServerBootstrap()
              .group(boss, workers)
              .channel(NioServerSocketChannel.class)
              .option(ChannelOption.SO_BACKLOG, 256)
              .childOption(ChannelOption.TCP_NODELAY, true)
              // Above two of a download's half-MiB writes, so the pump encodes the next one
              // while the event loop sends the last instead of waiting for it to drain.
              .childOption(
                  ChannelOption.WRITE_BUFFER_WATER_MARK,
                  new WriteBufferWaterMark(512 << 10, 1 << 20))
              .childHandler(
                  new StrataChannelInitializer(ops, pool, state, limits, config.token(), NAME));
      Channel ch = bind(b, listen, "--listen");
      MetricsServer m = null;
      if (metricsAt != null) {
        try {
          m = MetricsServer.bind(metricsAt, boss, workers, metrics, engine, pool);
        } catch (Exception e) {
          ch.close().syncUninterruptibly();
          throw new StartupException(
              "--metrics " + config.metrics() + ": cannot listen: " + e.getMessage(), e);
        }
      }
      ContainerdServer ctrd = null;
      if (config.containerdSocket() != null) {
        try {
          // TODO(#13): SnapshotMounts from the fuse module once stratad serves FUSE mounts.
          ctrd =
              ContainerdServer.start(
                  engine, config.containerdSocket(), SnapshotMounts.unavailable());
        } catch (IOException e) {
          ch.close().syncUninterruptibly();
          if (m != null) {
            m.close();
          }
          throw new StartupException("--containerd-socket: " + e.getMessage(), e);
        }
      }
      LOG.log(
          System.Logger.Level.INFO,
          "serving {0} on {1} (driver {2})",
          engine.dataRoot(),
          HostPort.format((InetSocketAddress) ch.localAddress()),
          engine.driver());
      return new StrataServer(engine, boss, workers, pool, ops, state, ch, m, ctrd, limits);
    } catch (StartupException | RuntimeException e) {
      boss.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
      workers.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
      pool.shutdownNow();
      try {
        engine.close();
      } catch (IOException closeFailure) {
        e.addSuppressed(closeFailure);
      }
      throw e;
    }
  }

  private static Channel bind(ServerBootstrap b, InetSocketAddress at, String option)
      throws StartupException {
    try {
      return b.bind(at).sync().channel();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new StartupException(option + " " + HostPort.format(at) + ": interrupted", e);
    } catch (Exception e) {
      throw new StartupException(
          option + " " + HostPort.format(at) + ": cannot listen: " + e.getMessage(), e);
    }
  }

  private static InetSocketAddress resolve(HostPort hp, String option) throws StartupException {
    try {
      return new InetSocketAddress(InetAddress.getByName(hp.host()), hp.port());
    } catch (UnknownHostException e) {
      throw new StartupException(option + " " + hp + ": unknown host " + hp.host(), e);
    }
  }

  private static ThreadPoolExecutor engineExecutor(int threads) {
    AtomicInteger n = new AtomicInteger();
    ThreadPoolExecutor pool =
        new ThreadPoolExecutor(
            threads,
            threads,
            60,
            TimeUnit.SECONDS,
            new LinkedBlockingQueue<>(),
            r -> {
              Thread t = new Thread(r, "stratad-engine-" + n.incrementAndGet());
              t.setDaemon(true);
              return t;
            });
    pool.allowCoreThreadTimeOut(true);
    return pool;
  }

  /** The address the server listens on (the actual port when 0 was asked for). */
  public InetSocketAddress address() {
    return (InetSocketAddress) listener.localAddress();
  }

  /** The metrics endpoint's address, or null when there is none. */
  public InetSocketAddress metricsAddress() {
    return metricsServer == null ? null : metricsServer.address();
  }

  /** The containerd socket's path, or null when containerd's services are off. */
  public java.nio.file.Path containerdSocket() {
    return containerd == null ? null : containerd.socket();
  }

  /** The storage driver of the data root. */
  public String driver() {
    return engine.driver();
  }

  /** Blocks until {@link #close} has finished. */
  public void awaitClosed() throws InterruptedException {
    closed.await();
  }

  /** Shuts down gracefully (see the class comment); idempotent, and safe from any thread. */
  @Override
  public void close() {
    if (!closing.compareAndSet(false, true)) {
      awaitQuietly();
      return;
    }
    try {
      LOG.log(System.Logger.Level.INFO, "shutting down: {0} requests in flight", state.inFlight());
      state.drain();
      listener.close().syncUninterruptibly();
      if (metricsServer != null) {
        metricsServer.close();
      }
      long deadline = System.nanoTime() + limits.shutdownGrace().toNanos();
      while (state.inFlight() > 0 && System.nanoTime() < deadline) {
        Thread.sleep(20);
      }
      state.channels().close().awaitUninterruptibly();
      if (containerd != null) {
        containerd.close();
      }
      engineExecutor.shutdown();
      if (!engineExecutor.awaitTermination(
          limits.shutdownGrace().toMillis(), TimeUnit.MILLISECONDS)) {
        LOG.log(System.Logger.Level.WARNING, "engine calls still running after the grace period");
      }
      operations.shutdown();
      engine.close();
      LOG.log(System.Logger.Level.INFO, "stopped; data root {0} closed", engine.dataRoot());
    } catch (IOException e) {
      LOG.log(System.Logger.Level.ERROR, "closing the data root failed", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      boss.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
      workers.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
      closed.countDown();
    }
  }

  private void awaitQuietly() {
    try {
      closed.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
