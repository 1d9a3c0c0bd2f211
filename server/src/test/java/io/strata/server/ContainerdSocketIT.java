package io.strata.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.MultiThreadIoEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollDomainSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollIoHandler;
import io.grpc.netty.shaded.io.netty.channel.unix.DomainSocketAddress;
import io.grpc.stub.MetadataUtils;
import io.strata.containerd.api.snapshots.ListSnapshotsRequest;
import io.strata.containerd.api.snapshots.PrepareSnapshotRequest;
import io.strata.containerd.api.snapshots.SnapshotsGrpc;
import io.strata.containerd.api.snapshots.StatSnapshotRequest;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** {@code stratad --containerd-socket}: the socket's life and a call over it, on a real process. */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class ContainerdSocketIT {
  @TempDir Path dir;

  private StratadProcess launch(Path data, Path socket) throws Exception {
    return StratadProcess.launch(
        dir.resolve("logs"), "--data", data.toString(), "--containerd-socket", socket.toString());
  }

  /** Prepares {@code key} in namespace default over {@code socket}; returns how many it lists. */
  private static int prepareAndCount(Path socket, String key) throws InterruptedException {
    EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
    ManagedChannel channel =
        NettyChannelBuilder.forAddress(new DomainSocketAddress(socket.toString()))
            .channelType(EpollDomainSocketChannel.class)
            .eventLoopGroup(group)
            .usePlaintext()
            .build();
    try {
      Metadata h = new Metadata();
      h.put(Metadata.Key.of("containerd-namespace", Metadata.ASCII_STRING_MARSHALLER), "default");
      SnapshotsGrpc.SnapshotsBlockingStub s =
          SnapshotsGrpc.newBlockingStub(channel)
              .withDeadlineAfter(30, TimeUnit.SECONDS)
              .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(h));
      s.prepare(PrepareSnapshotRequest.newBuilder().setKey(key).build());
      assertThat(s.stat(StatSnapshotRequest.newBuilder().setKey(key).build()).getInfo().getName())
          .isEqualTo(key);
      int[] n = {0};
      s.list(ListSnapshotsRequest.getDefaultInstance())
          .forEachRemaining(r -> n[0] += r.getInfoCount());
      return n[0];
    } finally {
      channel.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
      group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }
  }

  @Test
  void servesOnTheSocketRemovesItOnStopAndReplacesAStaleOne() throws Exception {
    Path data = dir.resolve("data");
    Path socket = dir.resolve("strata.sock");
    try (StratadProcess p = launch(data, socket)) {
      assertThat(p.awaitReady()).as(p.stderr()).isTrue();
      assertThat(Files.getPosixFilePermissions(socket, LinkOption.NOFOLLOW_LINKS))
          .isEqualTo(PosixFilePermissions.fromString("rw-rw----"));
      assertThat(prepareAndCount(socket, "a")).isEqualTo(1);

      // A second server may not take a socket a live one serves.
      try (StratadProcess second = launch(dir.resolve("data2"), socket)) {
        assertThat(second.awaitExit()).isNotZero().isNotEqualTo(-1);
        assertThat(second.stderr())
            .contains("stratad: --containerd-socket")
            .contains("another server is listening");
      }

      p.process().destroy(); // SIGTERM
      assertThat(p.awaitExit()).isZero();
      assertThat(Files.exists(socket, LinkOption.NOFOLLOW_LINKS)).isFalse();
    }

    try (StratadProcess p = launch(data, socket)) {
      assertThat(p.awaitReady()).as(p.stderr()).isTrue();
      assertThat(prepareAndCount(socket, "b")).isEqualTo(2);
      p.process().destroyForcibly(); // SIGKILL: the socket file stays behind
      p.process().onExit().get(60, TimeUnit.SECONDS);
    }
    assertThat(Files.exists(socket, LinkOption.NOFOLLOW_LINKS)).isTrue();

    try (StratadProcess p = launch(data, socket)) {
      assertThat(p.awaitReady()).as(p.stderr()).isTrue();
      assertThat(prepareAndCount(socket, "c")).isEqualTo(3);
      p.process().destroy();
      assertThat(p.awaitExit()).isZero();
    }
  }

  @Test
  void aSocketThatCannotBeMadeIsRefusedSayingWhyAndTheDataRootIsNotMade() throws Exception {
    Path data = dir.resolve("data");
    Path missing = dir.resolve("nodir/x.sock");
    try (StratadProcess p = launch(data, missing)) {
      assertThat(p.awaitExit()).isEqualTo(1);
      assertThat(p.stderr())
          .contains(
              "stratad: --containerd-socket: containerd socket "
                  + missing
                  + ": no such directory "
                  + dir.resolve("nodir"));
    }
    Path deep = Files.createDirectories(dir.resolve("d".repeat(100)));
    Path tooLong = deep.resolve("c.sock");
    try (StratadProcess p = launch(data, tooLong)) {
      assertThat(p.awaitExit()).isEqualTo(1);
      assertThat(p.stderr())
          .contains(
              "containerd socket "
                  + tooLong
                  + ": a unix socket path is at most 107 bytes; this one is "
                  + tooLong.toString().length());
    }
    assertThat(data).doesNotExist();
  }
}
