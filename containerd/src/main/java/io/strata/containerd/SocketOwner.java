package io.strata.containerd;

import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import java.nio.file.Path;

/**
 * One containerd per socket: the first process to make a call in the socket's shared space (no
 * namespace header: containerd's own calls) owns the socket while it lives; such calls from any
 * other live process fail with FAILED_PRECONDITION, saying why, and each refused process is logged
 * once. Two containerd daemons on one socket would share one key space, hand out the same keys, and
 * each one's gc would remove the other's snapshots (running containers' included). When the owner
 * has died (a containerd restart), the next caller takes over.
 *
 * <p>Processes are told apart by SO_PEERCRED ({@link PeerNegotiator}) and their start time, so a
 * new process given a dead owner's pid is not taken for it. Calls that name a namespace are let
 * through: they have a space of their own ({@link Namespaces}), which containerd never writes in,
 * and test suites and tools beside containerd use them. stratad must see containerd's pid
 * namespace: a peer it cannot see has pid 0, which no process can own.
 */
final class SocketOwner implements ServerInterceptor {
  private static final System.Logger LOG = System.getLogger(SocketOwner.class.getName());

  private final Path socket;
  private Peer owner; // guarded by this
  // The process refused last (Peer's text), logged once rather than on each call; guarded by this.
  private String lastRefused;

  SocketOwner(Path socket) {
    this.socket = socket;
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(
      ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
    if (Namespaces.shared(headers)) {
      String refusal = admit(call.getAttributes().get(PeerNegotiator.PEER));
      if (refusal != null) {
        call.close(Status.FAILED_PRECONDITION.withDescription(refusal), new Metadata());
        return new ServerCall.Listener<>() {};
      }
    }
    return next.startCall(call, headers);
  }

  /** Null when {@code peer} may call in the shared space, else why not, in one sentence. */
  synchronized String admit(Peer peer) {
    if (peer != null && peer.equals(owner)) {
      return null;
    }
    String refusal;
    if (peer == null || peer.pid() <= 0 || peer.started() == null) {
      refusal =
          "containerd socket "
              + socket
              + ": cannot tell which process connected (stratad must see containerd's processes:"
              + " run it in containerd's pid namespace), so cannot keep the socket to one"
              + " containerd";
    } else if (owner == null || !owner.alive()) {
      LOG.log(
          System.Logger.Level.INFO,
          owner == null
              ? "containerd socket {0}: pid {2} (uid {3}) connected first and owns it"
              : "containerd socket {0}: its owner, pid {1}, is gone; pid {2} (uid {3}) takes it"
                  + " over",
          socket,
          owner == null ? "" : Integer.toString(owner.pid()),
          Integer.toString(peer.pid()),
          Integer.toString(peer.uid()));
      owner = peer;
      lastRefused = null;
      return null;
    } else {
      refusal =
          "containerd socket "
              + socket
              + " is owned by containerd pid "
              + owner.pid()
              + ", which connected first and still runs, so pid "
              + peer.pid()
              + " is refused: each containerd needs its own --containerd-socket";
    }
    String who = String.valueOf(peer);
    if (!who.equals(lastRefused)) {
      lastRefused = who;
      LOG.log(System.Logger.Level.WARNING, refusal);
    }
    return refusal;
  }

  /** The owning process, or null before the first call in the shared space. */
  synchronized Peer owner() {
    return owner;
  }
}
