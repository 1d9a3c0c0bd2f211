package io.strata.server.registry;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpServerExpectContinueHandler;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.stream.ChunkedWriteHandler;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.concurrent.GlobalEventExecutor;
import io.netty.util.concurrent.ScheduledFuture;
import io.strata.server.handler.AcceptFailures;
import io.strata.server.handler.ConnectionCap;
import io.strata.server.metrics.RegistryMetrics;
import io.strata.server.metrics.RegistryTraffic;
import io.strata.store.Engine;
import io.strata.store.engine.StopSignal;
import io.strata.store.image.ImageStore;
import io.strata.store.registry.ChunkIndexPublisher;
import io.strata.store.registry.RegistryStore;
import java.io.Closeable;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Locale;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import javax.net.ssl.SSLException;

/**
 * The {@code --registry} endpoint: its own listening socket on the server's event loops, HTTP/1.1
 * (over TLS when given a certificate), with bounded request lines and headers, an idle timeout, and
 * a sweep that expires abandoned uploads.
 */
public final class RegistryServer implements Closeable {
  private static final System.Logger LOG = System.getLogger(RegistryServer.class.getName());

  /** The longest request line accepted. */
  static final int MAX_LINE = 8 << 10;

  /** The most header bytes accepted. */
  static final int MAX_HEADERS = 16 << 10;

  /** The largest body piece the codec hands over at once. */
  static final int MAX_PIECE = 64 << 10;

  /** How long a connection past the cap may take to send the request it is refused. */
  static final int BUSY_IDLE_MILLIS = 5_000;

  private final Channel channel;
  private final ChannelGroup connections;
  private final Uploads uploads;
  private final ScheduledFuture<?> sweep;
  private final ExecutorService readers;
  private final RecipeJobs recipes;
  private final ChunkIndexMaker indexMaker;
  private final UnusedBlobSweeper releaser;
  private final ImageBridge bridge;
  private final BlobCache cache;

  private final StopSignal stop;

  private RegistryServer(
      Channel channel,
      ChannelGroup connections,
      Uploads uploads,
      ScheduledFuture<?> sweep,
      ExecutorService readers,
      RecipeJobs recipes,
      ChunkIndexMaker indexMaker,
      UnusedBlobSweeper releaser,
      ImageBridge bridge,
      BlobCache cache,
      StopSignal stop) {
    this.bridge = bridge;
    this.cache = cache;
    this.stop = stop;
    this.recipes = recipes;
    this.releaser = releaser;
    this.indexMaker = indexMaker;
    this.channel = channel;
    this.connections = connections;
    this.uploads = uploads;
    this.sweep = sweep;
    this.readers = readers;
  }

  /**
   * Has every gc of {@code engine} first delete {@code registry}'s published manifests that no
   * current tag names any more and release the blobs nothing uses ({@link
   * RegistryStore#dropStaleViews}, {@link RegistryStore#releaseUnused}), so that the gc frees them:
   * {@code image rm} then {@code gc}, {@code image prune}, {@code system prune} free what an image
   * published by a pull kept, whether or not the registry listens.
   */
  public static void sweepBeforeEveryGc(Engine engine, RegistryStore registry) {
    engine.beforeGc(
        () -> {
          try {
            UnusedBlobSweeper.dropStaleViews(registry, "before a gc");
            UnusedBlobSweeper.release(registry, "before a gc");
          } catch (IOException | RuntimeException e) {
            // the gc still frees everything else; the manifests wait for the next one
            LOG.log(
                System.Logger.Level.WARNING,
                "registry: deleting stale published manifests before the gc failed: {0}",
                e.toString());
          }
        });
  }

  /**
   * Binds {@code address} and serves the distribution API over {@code registry} and {@code images}
   * of the data root {@code dataRoot}; uploads spool under its {@code tmp}; engine work runs on
   * {@code engineExecutor}; its connections count against {@code cap} with the server's others;
   * {@code token} (null: none) guards it; its traffic is counted into {@code traffic}.
   */
  public static RegistryServer bind(
      InetSocketAddress address,
      RegistryConfig config,
      EventLoopGroup boss,
      EventLoopGroup workers,
      RegistryStore registry,
      ImageStore images,
      Predicate<String> imageInUse,
      Path dataRoot,
      Executor engineExecutor,
      ConnectionCap cap,
      byte[] token,
      RegistryMetrics traffic)
      throws IOException, InterruptedException {
    SslContext ssl = null;
    if (config.tlsCert() != null) {
      try {
        ssl =
            SslContextBuilder.forServer(config.tlsCert().toFile(), config.tlsKey().toFile())
                .build();
      } catch (SSLException | IllegalArgumentException e) {
        throw new IOException(
            "TLS certificate "
                + config.tlsCert()
                + " and key "
                + config.tlsKey()
                + ": "
                + e.getMessage(),
            e);
      }
    }
    Path tmp = dataRoot.resolve("tmp");
    BlobCache cache = new BlobCache(tmp.resolve("registry-blob-cache"), config.blobCacheBytes());
    // a full disk met by any request or job empties the cache: the store needs the space more
    Failures failures = new Failures(dataRoot, cache::clear);
    Uploads uploads =
        new Uploads(tmp.resolve("registry-uploads"), config.uploadExpiry(), Clock.systemUTC());
    Access access = new Access(token, config.anonymousPull());
    ExecutorService readers = readers();
    // the staged blobs a previous run left are queued before anything else (an import resumed
    // below goes after their jobs)
    // what a stop between a blob's last use going and its release left: released before any job
    // or request can start using blobs again
    int released = registry.releaseUnused();
    if (released > 0) {
      LOG.log(System.Logger.Level.INFO, "registry: released {0} blobs nothing uses", released);
    }
    UnusedBlobSweeper releaser = new UnusedBlobSweeper(registry);
    // raised at the server's stop: recipe jobs and imports end at their next read
    StopSignal stop = new StopSignal();
    RecipeJobs recipes = new RecipeJobs(registry, stop);
    BlobEndpoints blobs = new BlobEndpoints(registry, uploads, cache, readers, recipes);
    ChunkIndexPublisher indexes = registry.chunkIndexes();
    ChunkIndexMaker indexMaker = new ChunkIndexMaker(indexes, recipes::pending);
    ImageBridge bridge =
        new ImageBridge(registry, images, imageInUse, tmp, recipes, engineExecutor, failures, stop);
    recipes.onSettled(
        d -> {
          indexMaker.settled(d);
          // a layer stored: the disk that failed an import has room again
          bridge.retryWaiting();
        });
    recipes.onGaveUp(indexMaker::gaveUp);
    recipes.onDiskFull(cache::clear);
    recipes.resume();
    bridge.resumeImports();
    indexMaker.indexExisting();
    ManifestEndpoints manifests = new ManifestEndpoints(registry, bridge, indexMaker);
    ChunkEndpoints chunks = new ChunkEndpoints(indexes, readers);
    String scheme = ssl == null ? "http" : "https";
    SslContext tls = ssl;
    int idle = (int) Math.max(1, config.idleTimeout().toMillis());
    ChannelGroup connections = new DefaultChannelGroup("registry", GlobalEventExecutor.INSTANCE);
    ServerBootstrap b =
        new ServerBootstrap()
            .group(boss, workers)
            .channel(NioServerSocketChannel.class)
            .handler(new AcceptFailures("--registry"))
            .childHandler(
                new ChannelInitializer<SocketChannel>() {
                  @Override
                  protected void initChannel(SocketChannel ch) {
                    boolean admitted = cap.admit(ch, "--registry");
                    connections.add(ch);
                    if (tls != null) {
                      ch.pipeline().addLast(tls.newHandler(ch.alloc()));
                    }
                    // a refused peer holds a descriptor the cap does not count: not for long
                    int idleMillis = admitted ? idle : Math.min(idle, BUSY_IDLE_MILLIS);
                    ch.pipeline()
                        .addLast(new IdleStateHandler(0, 0, idleMillis, TimeUnit.MILLISECONDS))
                        .addLast(new HttpServerCodec(MAX_LINE, MAX_HEADERS, MAX_PIECE))
                        // before any refusal: a request refused at the cap is traffic too
                        .addLast(
                            new RegistryTraffic(
                                traffic, RegistryServer::routeKind, System::nanoTime));
                    if (!admitted) {
                      ch.pipeline().addLast(new BusyReply(cap.busyReason()));
                      return;
                    }
                    ch.pipeline()
                        .addLast(new HttpServerExpectContinueHandler())
                        .addLast(new ChunkedWriteHandler())
                        .addLast(
                            new RegistryHandler(
                                access,
                                blobs,
                                manifests,
                                chunks,
                                engineExecutor,
                                scheme,
                                failures));
                  }
                });
    Channel ch = b.bind(address).sync().channel();
    long every = Math.max(1000, Math.min(60_000, config.uploadExpiry().toMillis() / 4));
    ScheduledFuture<?> sweep =
        workers.next().scheduleAtFixedRate(uploads::expire, every, every, TimeUnit.MILLISECONDS);
    return new RegistryServer(
        ch,
        connections,
        uploads,
        sweep,
        readers,
        recipes,
        indexMaker,
        releaser,
        bridge,
        cache,
        stop);
  }

  /**
   * A request target's route kind for the metrics: the endpoint's kind in lower case, {@code other}
   * for a path no endpoint serves. Never the name or the reference, which would make a series per
   * repository or digest.
   */
  static String routeKind(String uri) {
    try {
      return Route.parse(new QueryStringDecoder(uri).rawPath())
          .kind()
          .name()
          .toLowerCase(Locale.ROOT);
    } catch (RuntimeException e) {
      return "other";
    }
  }

  /**
   * The data root's disk is full ({@code why}), met outside the registry (a request of the Strata
   * protocol, a gc): the blob cache's copies give their space back to the store, as for a full disk
   * a registry request meets.
   */
  public void diskFull(String why) {
    cache.clear(why);
  }

  /**
   * The threads that read blob bodies for downloads: as many as cores, since a read may regenerate
   * a gzip blob (CPU bound); more downloads wait their turn rather than slow each other down.
   */
  private static ExecutorService readers() {
    int n = Math.max(2, Runtime.getRuntime().availableProcessors());
    AtomicInteger count = new AtomicInteger();
    ThreadPoolExecutor pool =
        new ThreadPoolExecutor(
            n,
            n,
            30,
            TimeUnit.SECONDS,
            new LinkedBlockingQueue<>(),
            r -> {
              Thread t = new Thread(r, "registry-blob-reader-" + count.incrementAndGet());
              t.setDaemon(true);
              return t;
            });
    pool.allowCoreThreadTimeOut(true);
    return pool;
  }

  /** The bound address (the actual port when 0 was asked for). */
  public InetSocketAddress address() {
    return (InetSocketAddress) channel.localAddress();
  }

  /** Gzip blobs staged at their push, still waiting for their jobs to store them. */
  public int recipesPending() {
    return recipes.pending();
  }

  /** Stops accepting connections; those open go on until {@link #close}. */
  public void stopAccepting() {
    channel.close().syncUninterruptibly();
  }

  /**
   * Asks the background work (recipe jobs, imports of pushed manifests) to stop at its next step:
   * called first thing at a server's stop, so that it has ended by {@link #close(long)}. What it
   * leaves (staged blobs, pending imports) is taken up again at the next start.
   */
  public void stopJobs() {
    stop.raise();
  }

  /** As {@link #close(long)}, waiting up to 10 s for the background threads. */
  @Override
  public void close() {
    close(System.nanoTime() + TimeUnit.SECONDS.toNanos(10));
  }

  /**
   * Stops accepting, closes every registry connection (an upload chunk in flight is rolled back, a
   * download stops), stops the background work and waits for its threads until {@code deadline}
   * ({@link System#nanoTime}), and deletes the upload spools, before the engine closes under them.
   * No thread is interrupted before the deadline: an interrupt inside FileChannel I/O closes the
   * store's file under it (docs/ADVERSARIAL.md, H9).
   */
  public void close(long deadline) {
    stop.raise();
    sweep.cancel(false);
    channel.close().syncUninterruptibly();
    connections.close().awaitUninterruptibly(2, TimeUnit.SECONDS);
    // the downloads' connections are closed: their readers stop at their next piece
    BackgroundThread.stop(readers, "registry-blob-reader", deadline);
    // no import is retried once the recipe jobs and the engine go: a waiting one stays pending
    bridge.close(deadline);
    recipes.close(deadline);
    indexMaker.close(deadline);
    releaser.close();
    uploads.close();
  }
}
