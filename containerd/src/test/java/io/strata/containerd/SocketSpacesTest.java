package io.strata.containerd;

import static io.strata.containerd.ContainerdFixture.code;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.grpc.Status.Code;
import io.grpc.StatusRuntimeException;
import io.strata.containerd.api.content.InfoRequest;
import io.strata.containerd.api.content.WriteAction;
import io.strata.containerd.api.content.WriteContentRequest;
import io.strata.containerd.api.snapshots.CommitSnapshotRequest;
import io.strata.containerd.api.snapshots.Kind;
import io.strata.containerd.api.snapshots.ListSnapshotsRequest;
import io.strata.containerd.api.snapshots.PrepareSnapshotRequest;
import io.strata.containerd.api.snapshots.SnapshotsGrpc.SnapshotsBlockingStub;
import io.strata.containerd.api.snapshots.StatSnapshotRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Several sockets, each its own key space, and the guard that keeps a socket to one containerd:
 * real sockets, real processes (SO_PEERCRED, /proc).
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class SocketSpacesTest {
  @TempDir Path dir;
  private ContainerdFixture f;
  private final List<Process> started = new ArrayList<>();

  @AfterEach
  void close() throws Exception {
    for (Process p : started) {
      p.destroyForcibly().waitFor();
    }
    if (f != null) {
      f.close();
    }
  }

  /** Sockets a.sock in the default space and k.sock in space k8s. */
  private List<ContainerdSocket> sockets() {
    return List.of(
        ContainerdSocket.of(dir.resolve("a.sock")),
        new ContainerdSocket("k8s", dir.resolve("k.sock")));
  }

  private static void prepare(SnapshotsBlockingStub s, String key) {
    s.prepare(PrepareSnapshotRequest.newBuilder().setKey(key).build());
  }

  private static List<String> names(SnapshotsBlockingStub s) {
    List<String> out = new ArrayList<>();
    s.list(ListSnapshotsRequest.getDefaultInstance())
        .forEachRemaining(r -> r.getInfoList().forEach(i -> out.add(i.getName())));
    return out;
  }

  private List<String> driverKeys() throws Exception {
    List<String> keys = new ArrayList<>();
    f.engine.storage().walk(s -> keys.add(s.key()));
    return keys;
  }

  @Test
  void eachSocketIsAKeySpaceOfItsOwn() throws Exception {
    f = new ContainerdFixture(dir, "btrfs", sockets());
    SnapshotsBlockingStub a = f.snapshots(0, null);
    SnapshotsBlockingStub k = f.snapshots(1, null);
    // Two containerds hand out the same keys (their counters start alike): no clash.
    prepare(a, "default/2/c1");
    prepare(k, "default/2/c1");
    a.commit(
        CommitSnapshotRequest.newBuilder().setName("default/3/l").setKey("default/2/c1").build());
    assertThat(names(a)).containsExactly("default/3/l");
    assertThat(names(k)).containsExactly("default/2/c1");
    assertThat(
            k.stat(StatSnapshotRequest.newBuilder().setKey("default/2/c1").build())
                .getInfo()
                .getKind())
        .isEqualTo(Kind.ACTIVE);
    // Clients naming a namespace: a space of their own within the socket's.
    prepare(f.snapshots(0, "default"), "x");
    prepare(f.snapshots(1, "default"), "x");
    assertThat(driverKeys())
        .containsExactlyInAnyOrder(
            "ctrd/_/default/3/l",
            "ctrd/k8s:_/default/2/c1",
            "ctrd/default/x",
            "ctrd/k8s:default/x");
    assertThat(names(f.snapshots(1, "default"))).containsExactly("x");

    // Content too.
    byte[] blob = "a blob of the k8s containerd".getBytes(StandardCharsets.UTF_8);
    String digest = "sha256:" + SnapshotsServiceTest.sha256(blob);
    WriteStream w = new WriteStream(f.contentAsync(1, null));
    w.send(
        WriteContentRequest.newBuilder()
            .setAction(WriteAction.COMMIT)
            .setRef("r")
            .setTotal(blob.length)
            .setExpected(digest)
            .setData(ByteString.copyFrom(blob))
            .build());
    assertThat(w.end()).isNull();
    InfoRequest info = InfoRequest.newBuilder().setDigest(digest).build();
    assertThat(f.content(1, null).info(info).getInfo().getSize()).isEqualTo(blob.length);
    assertThat(code(() -> f.content(0, null).info(info))).isEqualTo(Code.NOT_FOUND);
    assertThat(f.engine.chunks().root("ctrd/content/k8s:_/" + digest.substring(7))).isNotNull();
  }

  @Test
  void theFirstProcessOwnsASocketWhileItLivesAndAnotherIsRefused() throws Exception {
    f = new ContainerdFixture(dir, "btrfs", sockets());
    Path a = dir.resolve("a.sock");
    long me = ProcessHandle.current().pid();
    // Another process (a stand-in for the first containerd) owns socket a.
    Process first = new ProcessBuilder("sleep", "600").start();
    started.add(first);
    SocketOwner guard = f.server.ownerOf(a);
    assertThat(guard.admit(Peer.of((int) first.pid(), 0))).isNull();

    List<LogRecord> logged = new ArrayList<>();
    Handler capture =
        new Handler() {
          @Override
          public void publish(LogRecord r) {
            if (r.getLevel().intValue() >= Level.WARNING.intValue()) {
              logged.add(r);
            }
          }

          @Override
          public void flush() {}

          @Override
          public void close() {}
        };
    Logger log = Logger.getLogger(SocketOwner.class.getName());
    log.addHandler(capture);
    try {
      for (int i = 0; i < 3; i++) {
        String key = "default/1/k" + i;
        assertThatThrownBy(() -> prepare(f.snapshots(0, null), key))
            .isInstanceOf(StatusRuntimeException.class)
            .hasMessage(
                "FAILED_PRECONDITION: containerd socket "
                    + a
                    + " is owned by containerd pid "
                    + first.pid()
                    + ", which connected first and still runs, so pid "
                    + me
                    + " is refused: each containerd needs its own --containerd-socket");
      }
      assertThat(code(() -> names(f.snapshots(0, null)))).isEqualTo(Code.FAILED_PRECONDITION);
      assertThat(
              code(() -> f.content(0, null).info(InfoRequest.newBuilder().setDigest("x").build())))
          .isEqualTo(Code.FAILED_PRECONDITION);
    } finally {
      log.removeHandler(capture);
    }
    assertThat(logged).as("the refused process is logged once").hasSize(1);
    assertThat(driverKeys()).isEmpty();

    // A client naming its namespace is not containerd's space: let through.
    prepare(f.snapshots(0, "default"), "mine");
    // The other socket is another's to own: this process, as the kernel tells it.
    prepare(f.snapshots(1, null), "default/1/k");
    assertThat(f.server.ownerOf(dir.resolve("k.sock")).owner().pid()).isEqualTo((int) me);

    // The owner dies (containerd restarts): the next process takes the socket over.
    first.destroyForcibly().waitFor();
    prepare(f.snapshots(0, null), "default/1/k");
    assertThat(guard.owner().pid()).isEqualTo((int) me);
    assertThat(names(f.snapshots(0, null))).containsExactly("default/1/k");
  }

  @Test
  void aProcessGivenADeadOwnersPidIsNotTheOwner() {
    int me = (int) ProcessHandle.current().pid();
    Peer now = Peer.of(me, 0);
    assertThat(now.alive()).isTrue();
    // The same pid with another start time: an earlier process that had this pid.
    Peer earlier = new Peer(me, 0, "1");
    assertThat(earlier.alive()).isFalse();
    SocketOwner guard = new SocketOwner(Path.of("/run/x.sock"));
    assertThat(guard.admit(earlier)).isNull();
    assertThat(guard.admit(now)).isNull();
    assertThat(guard.owner()).isEqualTo(now);
    // A peer stratad cannot see (another pid namespace: pid 0) is refused, saying why.
    assertThat(guard.admit(new Peer(0, 0, null)))
        .isEqualTo(
            "containerd socket /run/x.sock: cannot tell which process connected (stratad must see"
                + " containerd's processes: run it in containerd's pid namespace), so cannot keep"
                + " the socket to one containerd");
  }
}
