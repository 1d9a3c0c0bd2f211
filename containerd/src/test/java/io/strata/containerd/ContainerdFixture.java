package io.strata.containerd;

import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.MultiThreadIoEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollDomainSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollIoHandler;
import io.grpc.netty.shaded.io.netty.channel.unix.DomainSocketAddress;
import io.grpc.stub.AbstractStub;
import io.grpc.stub.MetadataUtils;
import io.strata.containerd.api.content.ContentGrpc;
import io.strata.containerd.api.snapshots.SnapshotsGrpc;
import io.strata.store.Engine;
import io.strata.store.engine.ChunkStore;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.assertj.core.api.ThrowableAssert;

/**
 * A real engine on a data root, stratad's containerd services on real unix sockets (one, in the
 * default space, unless told), and a real gRPC client over each.
 */
final class ContainerdFixture implements AutoCloseable {
  final Engine engine;
  final ContainerdServer server;
  private final EventLoopGroup group;
  private final List<ManagedChannel> channels = new ArrayList<>();
  private final ManagedChannel channel;

  ContainerdFixture(Path dir, String driver) throws IOException {
    this(dir, driver, List.of(ContainerdSocket.of(dir.resolve("ctrd.sock"))));
  }

  ContainerdFixture(Path dir, String driver, List<ContainerdSocket> sockets) throws IOException {
    engine = Engine.open(dir.resolve("data"), driver, ChunkStore.Options.defaults());
    server = ContainerdServer.start(engine, sockets, SnapshotMounts.unavailable());
    group = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
    for (Path socket : server.sockets()) {
      channels.add(
          NettyChannelBuilder.forAddress(new DomainSocketAddress(socket.toString()))
              .channelType(EpollDomainSocketChannel.class)
              .eventLoopGroup(group)
              .usePlaintext()
              .build());
    }
    channel = channels.get(0);
  }

  /** A blocking snapshots client in {@code namespace} (null: no namespace header). */
  SnapshotsGrpc.SnapshotsBlockingStub snapshots(String namespace) {
    return in(SnapshotsGrpc.newBlockingStub(channel), namespace);
  }

  /** As {@link #snapshots(String)}, over the {@code socket}th socket. */
  SnapshotsGrpc.SnapshotsBlockingStub snapshots(int socket, String namespace) {
    return in(SnapshotsGrpc.newBlockingStub(channels.get(socket)), namespace);
  }

  ContentGrpc.ContentBlockingStub content(String namespace) {
    return in(ContentGrpc.newBlockingStub(channel), namespace);
  }

  /** As {@link #content(String)}, over the {@code socket}th socket. */
  ContentGrpc.ContentStub contentAsync(int socket, String namespace) {
    return in(ContentGrpc.newStub(channels.get(socket)), namespace);
  }

  ContentGrpc.ContentBlockingStub content(int socket, String namespace) {
    return in(ContentGrpc.newBlockingStub(channels.get(socket)), namespace);
  }

  ContentGrpc.ContentStub contentAsync(String namespace) {
    return in(ContentGrpc.newStub(channel), namespace);
  }

  private static <S extends AbstractStub<S>> S in(S stub, String namespace) {
    S s = stub.withDeadlineAfter(60, TimeUnit.SECONDS);
    if (namespace == null) {
      return s;
    }
    Metadata h = new Metadata();
    h.put(Namespaces.HEADER, namespace);
    return s.withInterceptors(MetadataUtils.newAttachHeadersInterceptor(h));
  }

  /** The gRPC status code {@code call} fails with. */
  static io.grpc.Status.Code code(ThrowableAssert.ThrowingCallable call) {
    try {
      call.call();
    } catch (StatusRuntimeException e) {
      return e.getStatus().getCode();
    } catch (Throwable t) {
      throw new AssertionError("expected a gRPC status, got " + t, t);
    }
    throw new AssertionError("expected the call to fail");
  }

  @Override
  public void close() throws IOException {
    for (ManagedChannel c : channels) {
      c.shutdownNow();
    }
    try {
      for (ManagedChannel c : channels) {
        c.awaitTermination(10, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    server.close();
    engine.close();
  }
}
