package io.strata.server;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.util.concurrent.Future;
import io.netty.util.internal.PlatformDependent;
import io.strata.containerd.ContainerdServer;
import io.strata.protocol.HostPort;
import io.strata.server.handler.AcceptFailures;
import io.strata.server.handler.ConnectionCap;
import io.strata.server.handler.DescriptorBudget;
import io.strata.server.handler.Limits;
import io.strata.server.handler.ServerState;
import io.strata.server.handler.StrataChannelInitializer;
import io.strata.server.metrics.MetricsServer;
import io.strata.server.metrics.RegistryMetrics;
import io.strata.server.metrics.ServerMetrics;
import io.strata.server.op.Operations;
import io.strata.server.registry.RegistryConfig;
import io.strata.server.registry.RegistryServer;
import io.strata.store.Engine;
import io.strata.store.disk.IoErrorWords;
import io.strata.store.engine.ChunkStore;
import io.strata.store.engine.Version;
import io.strata.store.error.StrataException;
import io.strata.store.registry.RegistryStore;
import java.io.Closeable;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A running stratad: the engine, the event loops, the engine executor, the listening socket and the
 * optional metrics endpoint. {@link #close} shuts down in the order that loses nothing: stop
 * accepting and refuse new requests, tell background work (registry jobs and imports) to stop at
 * its next step, let requests in flight finish (up to the grace period), close the connections
 * (cancelling what is left), wait for the background threads, serve busy FUSE mounts for the rest
 * of the grace (syncing them, and a last time at its end), drain the engine executor, close the
 * engine. Background work is interrupted only if it still runs when the grace ends: an interrupt
 * inside FileChannel I/O has Java close the store's file under it. Nothing after the grace period
 * waits on a peer or on engine work without a bound: work that outlives it is cancelled, then
 * interrupted, and what still runs after {@link #STOP_MARGIN} is left behind (the data root then
 * stays as after a crash, which the store recovers from).
 */
public final class StrataServer implements Closeable {
  private static final System.Logger LOG = System.getLogger(StrataServer.class.getName());
  private static final String NAME = "stratad " + Version.VERSION;

  /** One step of the shutdown after the grace period; the steps together make the margin. */
  private static final Duration STEP = Duration.ofMillis(500);

  /** How long shutdown may take beyond the grace period, at most. */
  public static final Duration STOP_MARGIN = STEP.multipliedBy(7);

  private final Engine engine;
  private final EventLoopGroup boss;
  private final EventLoopGroup workers;
  private final ThreadPoolExecutor engineExecutor;
  private final Operations operations;
  private final ServerState state;
  private final Channel listener;
  private final MetricsServer metricsServer;
  private final ContainerdServer containerd;
  // The FUSE mounts containerd's snapshots are served through; null without containerd.
  private final FuseSnapshotMounts snapshotMounts;
  // the OCI distribution endpoint; null without --registry
  private RegistryServer registry;
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
      FuseSnapshotMounts snapshotMounts,
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
    this.snapshotMounts = snapshotMounts;
    this.limits = limits;
  }

  /** Connects to the bucket of {@code --store}. */
  private static io.strata.store.remote.SharedSettings sharedSettings(SharedConfig c)
      throws IOException {
    io.strata.store.remote.SharedSettings defaults =
        io.strata.store.remote.SharedSettings.of(io.strata.s3.S3ObjectStore.open(c.s3()));
    return new io.strata.store.remote.SharedSettings(
        defaults.objects(), c.cacheBytes(), defaults.pollMillis(), defaults.sealIdleMillis());
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
    // Before the data root is opened (or made), so a bad path leaves it as it was.
    for (io.strata.containerd.ContainerdSocket s : config.containerdSockets()) {
      try {
        ContainerdServer.checkPlace(s.path());
      } catch (IOException e) {
        throw new StartupException("--containerd-socket: " + e.getMessage(), e);
      }
    }
    Engine engine;
    try {
      ChunkStore.Options options =
          ChunkStore.Options.defaults().withCompression(config.compression());
      if (config.shared() != null) {
        options = options.withShared(sharedSettings(config.shared()));
      }
      engine = Engine.open(config.dataRoot(), config.driver(), options);
    } catch (StrataException e) {
      throw new StartupException(e.getMessage(), e);
    } catch (IOException e) {
      throw new StartupException("data root " + config.dataRoot() + ": " + IoErrorWords.of(e), e);
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
        ops = Operations.over(engine, metrics::gc, metrics.fsck(), config.allowBind());
      } catch (IOException e) {
        throw new StartupException(
            "data root "
                + config.dataRoot()
                + ": cannot open its images and containers: "
                + IoErrorWords.of(e),
            e);
      }
      // Counted now that the data root is open: what it holds (a descriptor per pack) is not free.
      Limits served = withinDescriptors(limits, DescriptorBudget.ofThisProcess());
      ConnectionCap cap = new ConnectionCap(served.maxConnections());
      ServerBootstrap b =
          new ServerBootstrap()
              .group(boss, workers)
              .channel(NioServerSocketChannel.class)
              .option(ChannelOption.SO_BACKLOG, 256)
              .handler(new AcceptFailures("--listen"))
              .childOption(ChannelOption.TCP_NODELAY, true)
              // Above two of a download's half-MiB writes, so the pump encodes the next one
              // while the event loop sends the last instead of waiting for it to drain.
              .childOption(
                  ChannelOption.WRITE_BUFFER_WATER_MARK,
                  new WriteBufferWaterMark(512 << 10, 1 << 20))
              .childHandler(
                  new StrataChannelInitializer(
                      ops, pool, state, served, cap, config.token(), NAME));
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
      FuseSnapshotMounts snapshotMounts = null;
      if (!config.containerdSockets().isEmpty()) {
        try {
          snapshotMounts = new FuseSnapshotMounts(engine.dataRoot(), engine.storage());
          ctrd = ContainerdServer.start(engine, config.containerdSockets(), snapshotMounts);
        } catch (IOException e) {
          ch.close().syncUninterruptibly();
          if (m != null) {
            m.close();
          }
          throw new StartupException("--containerd-socket: " + e.getMessage(), e);
        }
      }
      // the registry's records are in the data root whether or not --registry serves them: every
      // gc first deletes the manifests published from images no tag names any more
      RegistryStore registry =
          new RegistryStore(engine.chunks(), engine.blobs(), engine.registryStaged());
      RegistryServer.sweepBeforeEveryGc(engine, registry);
      RegistryServer reg = null;
      if (config.registry() != null) {
        try {
          reg =
              startRegistry(
                  config,
                  engine,
                  registry,
                  boss,
                  workers,
                  ops,
                  pool,
                  cap,
                  metrics.registryTraffic());
          engine.onDiskFull(reg::diskFull);
        } catch (StartupException e) {
          ch.close().syncUninterruptibly();
          if (m != null) {
            m.close();
          }
          if (ctrd != null) {
            ctrd.close();
          }
          throw e;
        }
      }
      LOG.log(
          System.Logger.Level.INFO,
          "serving {0} on {1} (driver {2})",
          engine.dataRoot(),
          HostPort.format((InetSocketAddress) ch.localAddress()),
          engine.driver());
      // What the peers together may take (docs/PROTOCOL.md §6), sized from direct memory.
      LOG.log(
          System.Logger.Level.INFO,
          "at most {0} connections{3}, and {1} MiB for frames over 64 KiB being received (direct"
              + " memory {2} MiB)",
          cap.max(),
          limits.largeFrameBudget() >> 20,
          PlatformDependent.maxDirectMemory() >> 20,
          reg == null ? "" : " (--listen and --registry together)");
      if (reg != null) {
        // the bound port: with --registry HOST:0 the kernel picks it, and this line is where it
        // shows
        LOG.log(System.Logger.Level.INFO, "registry on {0}", HostPort.format(reg.address()));
      }
      StrataServer server =
          new StrataServer(
              engine, boss, workers, pool, ops, state, ch, m, ctrd, snapshotMounts, served);
      server.registry = reg;
      return server;
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

  /**
   * {@code limits} with the connection cap lowered to what the process's descriptors allow (see
   * {@link DescriptorBudget}); says so when it is.
   */
  private static Limits withinDescriptors(Limits limits, DescriptorBudget.Descriptors fds) {
    int cap = fds.connectionCap(limits.maxConnections());
    if (cap >= limits.maxConnections()) {
      return limits;
    }
    LOG.log(
        System.Logger.Level.WARNING,
        "at most "
            + cap
            + " connections, not "
            + limits.maxConnections()
            + ": the open-file limit is "
            + fds.limit()
            + " (ulimit -n) and "
            + fds.open()
            + " are open; half of the rest is kept for the store. Raise the limit for more");
    return limits.withMaxConnections(cap);
  }

  private static RegistryServer startRegistry(
      ServerConfig config,
      Engine engine,
      RegistryStore registry,
      EventLoopGroup boss,
      EventLoopGroup workers,
      Operations ops,
      ThreadPoolExecutor pool,
      ConnectionCap cap,
      RegistryMetrics traffic)
      throws StartupException {
    RegistryConfig rc = config.registry();
    InetSocketAddress at = resolve(rc.listen(), "--registry");
    if (config.token() == null && !at.getAddress().isLoopbackAddress()) {
      throw new StartupException(
          "--registry "
              + rc.listen()
              + " is not a loopback address; serving other hosts requires --token-file");
    }
    try {
      return RegistryServer.bind(
          at,
          rc,
          boss,
          workers,
          registry,
          ops.images(),
          ops.imageInUse(),
          engine.dataRoot(),
          pool,
          cap,
          config.token(),
          traffic);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new StartupException("--registry " + rc.listen() + ": interrupted", e);
    } catch (Exception e) {
      throw new StartupException(
          "--registry " + rc.listen() + ": cannot serve: " + e.getMessage(), e);
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

  /** The registry endpoint's address, or null when it is off. */
  public InetSocketAddress registryAddress() {
    return registry == null ? null : registry.address();
  }

  /** The containerd sockets' paths; none when containerd's services are off. */
  public List<java.nio.file.Path> containerdSockets() {
    return containerd == null ? List.of() : containerd.sockets();
  }

  /** The storage driver of the data root. */
  public String driver() {
    return engine.driver();
  }

  /** Blocks until {@link #close} has finished. */
  public void awaitClosed() throws InterruptedException {
    closed.await();
  }

  /**
   * Shuts down gracefully (see the class comment) within the grace period plus {@link
   * #STOP_MARGIN}; idempotent, and safe from any thread.
   */
  @Override
  public void close() {
    if (!closing.compareAndSet(false, true)) {
      awaitQuietly();
      return;
    }
    long start = System.nanoTime();
    long graceEnd = start + limits.shutdownGrace().toNanos();
    try {
      LOG.log(System.Logger.Level.INFO, "shutting down: {0} requests in flight", state.inFlight());
      state.drain();
      listener.close().syncUninterruptibly();
      if (metricsServer != null) {
        metricsServer.close();
      }
      if (registry != null) {
        registry.stopAccepting();
        // its background work (recipe jobs, imports of pushed manifests) ends at its next step,
        // long before the store closes: it is never interrupted inside the store's file I/O
        registry.stopJobs();
      }
      if (!state.awaitIdle(graceEnd)) {
        LOG.log(
            System.Logger.Level.WARNING,
            "{0} requests still in flight after the {1} s grace period; cancelling them",
            state.inFlight(),
            limits.shutdownGrace().toSeconds());
      }
      // Closing a connection cancels its streams: uploads are discarded, downloads stop. None of
      // that waits on a peer or a producer, so the engine threads fall idle at once unless an
      // engine call itself is still running.
      state.channels().close().await(STEP.toMillis());
      if (registry != null) {
        // registry requests still in flight are cut here; a client retries, an upload resumes
        registry.close(backgroundDeadline(graceEnd));
      }
      if (containerd != null) {
        containerd.close();
      }
      if (snapshotMounts != null) {
        // a container still running on a snapshot keeps it served for the rest of the grace
        snapshotMounts.close(graceEnd);
      }
      boolean engineIdle = stopEngineThreads(backgroundDeadline(graceEnd));
      boolean producersIdle = operations.shutdown(STEP.dividedBy(2), graceEnd);
      if (engineIdle && producersIdle) {
        engine.close();
        LOG.log(System.Logger.Level.INFO, "stopped; data root {0} closed", engine.dataRoot());
      } else {
        // Closing the store under a call still running in it could leave worse than a crash does;
        // a crash is what the store recovers from at the next start.
        LOG.log(
            System.Logger.Level.WARNING,
            "{0} still running at shutdown; data root {1} is left as after a crash, to be"
                + " recovered at the next start",
            engineIdle ? "downloads' producers" : "engine calls",
            engine.dataRoot());
      }
    } catch (IOException e) {
      // one line, as every message of a stop (SPEC §4): the store recovers at the next start
      LOG.log(
          System.Logger.Level.ERROR,
          "closing the data root {0} failed: {1}; it is recovered at the next start",
          engine.dataRoot(),
          e.toString());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      Future<?> b = boss.shutdownGracefully(0, STEP.toMillis(), TimeUnit.MILLISECONDS);
      Future<?> w = workers.shutdownGracefully(0, STEP.toMillis(), TimeUnit.MILLISECONDS);
      b.awaitUninterruptibly(STEP.toMillis() * 2);
      w.awaitUninterruptibly(STEP.toMillis() * 2);
      closed.countDown();
    }
  }

  /**
   * How long background work told to stop at its next step (registry jobs and imports) is waited
   * for before it is interrupted: until the grace ends, and at least one {@link #STEP} from now. It
   * normally ends within milliseconds; an interrupt is the last resort, since one inside
   * FileChannel I/O has Java close the store's open pack under it.
   */
  private static long backgroundDeadline(long graceEnd) {
    return Math.max(graceEnd, System.nanoTime() + STEP.toNanos());
  }

  /**
   * Lets the engine threads finish the tasks the cancellations queued and the background work told
   * to stop (an import of a pushed manifest runs there) until {@code deadline} ({@link
   * System#nanoTime}), then interrupts those still in an engine call (the work outlived the grace
   * period: it fails) and runs what they left queued (aborts that delete spools and release
   * buffers) on this thread. Says whether all stopped.
   */
  private boolean stopEngineThreads(long deadline) throws InterruptedException {
    engineExecutor.shutdown();
    if (engineExecutor.awaitTermination(
        Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
      return true;
    }
    List<Runnable> left = engineExecutor.shutdownNow();
    for (Runnable r : left) {
      try {
        r.run();
      } catch (RuntimeException e) {
        LOG.log(
            System.Logger.Level.DEBUG, "engine task left at shutdown failed: {0}", e.toString());
      }
    }
    return engineExecutor.awaitTermination(STEP.toMillis(), TimeUnit.MILLISECONDS);
  }

  private void awaitQuietly() {
    try {
      closed.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
