package io.strata.server.metrics;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.timeout.ReadTimeoutHandler;
import io.strata.server.handler.AcceptFailures;
import io.strata.store.Engine;
import java.io.Closeable;
import java.net.InetSocketAddress;
import java.util.concurrent.Executor;

/** The {@code --metrics} HTTP endpoint: its own listening socket on the server's event loops. */
public final class MetricsServer implements Closeable {
  private static final int MAX_REQUEST = 16 << 10;
  private static final int READ_TIMEOUT_SECONDS = 30;

  private final Channel channel;

  private MetricsServer(Channel channel) {
    this.channel = channel;
  }

  /** Binds {@code address} and serves {@code /metrics}. */
  public static MetricsServer bind(
      InetSocketAddress address,
      EventLoopGroup boss,
      EventLoopGroup workers,
      ServerMetrics metrics,
      Engine engine,
      Executor engineExecutor)
      throws InterruptedException {
    ServerBootstrap b =
        new ServerBootstrap()
            .group(boss, workers)
            .channel(NioServerSocketChannel.class)
            .handler(new AcceptFailures("--metrics"))
            .childHandler(
                new ChannelInitializer<SocketChannel>() {
                  @Override
                  protected void initChannel(SocketChannel ch) {
                    ch.pipeline()
                        .addLast(new ReadTimeoutHandler(READ_TIMEOUT_SECONDS))
                        .addLast(new HttpServerCodec())
                        .addLast(new HttpObjectAggregator(MAX_REQUEST))
                        .addLast(new MetricsHandler(metrics, engine, engineExecutor));
                  }
                });
    return new MetricsServer(b.bind(address).sync().channel());
  }

  /** The bound address (the actual port when 0 was asked for). */
  public InetSocketAddress address() {
    return (InetSocketAddress) channel.localAddress();
  }

  @Override
  public void close() {
    channel.close().syncUninterruptibly();
  }
}
