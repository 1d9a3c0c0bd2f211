package io.strata.containerd;

import io.grpc.Attributes;
import io.grpc.netty.shaded.io.grpc.netty.GrpcHttp2ConnectionHandler;
import io.grpc.netty.shaded.io.grpc.netty.InternalProtocolNegotiationEvent;
import io.grpc.netty.shaded.io.grpc.netty.InternalProtocolNegotiator;
import io.grpc.netty.shaded.io.grpc.netty.InternalProtocolNegotiators;
import io.grpc.netty.shaded.io.grpc.netty.ProtocolNegotiationEvent;
import io.grpc.netty.shaded.io.netty.channel.Channel;
import io.grpc.netty.shaded.io.netty.channel.ChannelHandler;
import io.grpc.netty.shaded.io.netty.channel.ChannelHandlerContext;
import io.grpc.netty.shaded.io.netty.channel.ChannelInboundHandlerAdapter;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollDomainSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.unix.PeerCredentials;
import io.grpc.netty.shaded.io.netty.util.AsciiString;
import java.io.IOException;

/**
 * grpc's plaintext server negotiation with one step added: the connecting process ({@link Peer},
 * from SO_PEERCRED, read once when the connection is up) becomes the transport attribute {@link
 * #PEER}, which every call on the connection sees in {@code ServerCall.getAttributes()}.
 *
 * <p>grpc gives calls no other way to the connection's channel; a protocol negotiator is how its
 * own TLS puts the session into the same attributes. The classes used are grpc's {@code Internal*}
 * ones, public but without a promise of stability: a grpc upgrade that changes them fails to
 * compile here, not at run time.
 */
final class PeerNegotiator implements InternalProtocolNegotiator.ProtocolNegotiator {
  /** The process at the other end of the call's connection; null if it could not be told. */
  static final Attributes.Key<Peer> PEER = Attributes.Key.create("strata.containerd.peer");

  private static final System.Logger LOG = System.getLogger(PeerNegotiator.class.getName());

  private final InternalProtocolNegotiator.ProtocolNegotiator plaintext =
      InternalProtocolNegotiators.serverPlaintext();

  @Override
  public AsciiString scheme() {
    return plaintext.scheme();
  }

  @Override
  public ChannelHandler newHandler(GrpcHttp2ConnectionHandler grpc) {
    // As grpc's plaintext negotiation (wait until active, then hand over to gRPC), with the peer
    // added to the attributes in between.
    return InternalProtocolNegotiators.waitUntilActiveHandler(
        new AddPeer(InternalProtocolNegotiators.grpcNegotiationHandler(grpc)),
        grpc.getNegotiationLogger());
  }

  @Override
  public void close() {
    plaintext.close();
  }

  /** The peer of {@code channel}, or null when the kernel does not tell it. */
  static Peer peerOf(Channel channel) {
    if (!(channel instanceof EpollDomainSocketChannel unix)) {
      return null;
    }
    try {
      PeerCredentials c = unix.peerCredentials();
      return Peer.of(c.pid(), c.uid());
    } catch (IOException e) {
      LOG.log(System.Logger.Level.WARNING, "cannot read a containerd connection's peer", e);
      return null;
    }
  }

  /** Adds {@link #PEER} to the negotiation's attributes, then gives way to {@code next}. */
  private static final class AddPeer extends ChannelInboundHandlerAdapter {
    private final ChannelHandler next;

    AddPeer(ChannelHandler next) {
      this.next = next;
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
      Object event = evt;
      if (evt instanceof ProtocolNegotiationEvent pne) {
        Attributes attrs = InternalProtocolNegotiationEvent.getAttributes(pne);
        Peer peer = peerOf(ctx.channel());
        if (peer != null) {
          attrs = attrs.toBuilder().set(PEER, peer).build();
        }
        event = InternalProtocolNegotiationEvent.withAttributes(pne, attrs);
        ctx.pipeline().replace(this, null, next);
      }
      ctx.fireUserEventTriggered(event);
    }
  }
}
