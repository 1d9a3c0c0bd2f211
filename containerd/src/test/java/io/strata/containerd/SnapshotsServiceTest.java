package io.strata.containerd;

import static io.strata.containerd.ContainerdFixture.code;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.FieldMask;
import io.grpc.Status.Code;
import io.strata.containerd.api.snapshots.CommitSnapshotRequest;
import io.strata.containerd.api.snapshots.Info;
import io.strata.containerd.api.snapshots.Kind;
import io.strata.containerd.api.snapshots.ListSnapshotsRequest;
import io.strata.containerd.api.snapshots.MountsRequest;
import io.strata.containerd.api.snapshots.PrepareSnapshotRequest;
import io.strata.containerd.api.snapshots.PrepareSnapshotResponse;
import io.strata.containerd.api.snapshots.RemoveSnapshotRequest;
import io.strata.containerd.api.snapshots.SnapshotsGrpc.SnapshotsBlockingStub;
import io.strata.containerd.api.snapshots.StatSnapshotRequest;
import io.strata.containerd.api.snapshots.UpdateSnapshotRequest;
import io.strata.containerd.api.snapshots.UsageRequest;
import io.strata.containerd.api.snapshots.UsageResponse;
import io.strata.containerd.api.snapshots.ViewSnapshotRequest;
import io.strata.store.driver.SnapshotSetDriver;
import io.strata.store.image.ImageStore;
import io.strata.store.image.ImportResult;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class SnapshotsServiceTest {
  @TempDir Path dir;
  private ContainerdFixture f;

  private SnapshotsBlockingStub open(String driver, String namespace) throws IOException {
    f = new ContainerdFixture(dir, driver);
    return f.snapshots(namespace);
  }

  @AfterEach
  void close() throws IOException {
    if (f != null) {
      f.close();
    }
  }

  private static PrepareSnapshotResponse prepare(
      SnapshotsBlockingStub s, String key, String parent, Map<String, String> labels) {
    return s.prepare(
        PrepareSnapshotRequest.newBuilder()
            .setKey(key)
            .setParent(parent)
            .putAllLabels(labels)
            .build());
  }

  private static void commit(SnapshotsBlockingStub s, String name, String key) {
    s.commit(CommitSnapshotRequest.newBuilder().setName(name).setKey(key).build());
  }

  private static Info stat(SnapshotsBlockingStub s, String key) {
    return s.stat(StatSnapshotRequest.newBuilder().setKey(key).build()).getInfo();
  }

  private static List<String> names(SnapshotsBlockingStub s, String... filters) {
    List<String> out = new ArrayList<>();
    s.list(ListSnapshotsRequest.newBuilder().addAllFilters(List.of(filters)).build())
        .forEachRemaining(r -> r.getInfoList().forEach(i -> out.add(i.getName())));
    out.sort(null);
    return out;
  }

  @ParameterizedTest
  @ValueSource(strings = {"btrfs", "zfs"})
  void prepareCommitViewRemove(String driver) throws IOException {
    SnapshotsBlockingStub s = open(driver, "default");
    PrepareSnapshotResponse p = prepare(s, "layer-1-active", "", Map.of("a", "1"));
    // No FUSE here: the mount handed out fails at mount time rather than pointing elsewhere.
    assertThat(p.getMountsList()).containsExactly(SnapshotsService.UNMOUNTABLE);
    Info active = stat(s, "layer-1-active");
    assertThat(active.getKind()).isEqualTo(Kind.ACTIVE);
    assertThat(active.getParent()).isEmpty();
    assertThat(active.getLabelsMap()).isEqualTo(Map.of("a", "1"));
    assertThat(active.getUpdatedAt()).isEqualTo(active.getCreatedAt());

    s.commit(
        CommitSnapshotRequest.newBuilder()
            .setName("layer-1")
            .setKey("layer-1-active")
            .putLabels("b", "2")
            .build());
    Info committed = stat(s, "layer-1");
    assertThat(committed.getKind()).isEqualTo(Kind.COMMITTED);
    // containerd's rule: a commit's labels replace the active snapshot's.
    assertThat(committed.getLabelsMap()).isEqualTo(Map.of("b", "2"));
    assertThat(code(() -> stat(s, "layer-1-active"))).isEqualTo(Code.NOT_FOUND);

    prepare(s, "container", "layer-1", Map.of());
    s.view(ViewSnapshotRequest.newBuilder().setKey("v").setParent("layer-1").build());
    s.view(ViewSnapshotRequest.newBuilder().setKey("empty-view").build());
    assertThat(stat(s, "container").getParent()).isEqualTo("layer-1");
    assertThat(stat(s, "v").getKind()).isEqualTo(Kind.VIEW);
    assertThat(stat(s, "empty-view").getParent()).isEmpty();
    assertThat(names(s)).containsExactly("container", "empty-view", "layer-1", "v");

    assertThat(s.usage(UsageRequest.newBuilder().setKey("container").build()).getSize())
        .isGreaterThanOrEqualTo(0);

    s.remove(RemoveSnapshotRequest.newBuilder().setKey("container").build());
    s.remove(RemoveSnapshotRequest.newBuilder().setKey("v").build());
    s.remove(RemoveSnapshotRequest.newBuilder().setKey("layer-1").build());
    assertThat(names(s)).containsExactly("empty-view");
  }

  @Test
  void errorsNameKeysAsContainerdSentThemAndLongKeysAreTaken() throws IOException {
    SnapshotsBlockingStub s = open("btrfs", "default");
    // containerd's metadata store sends "<namespace>/<counter>/<key>": a user's 240-character key
    // must fit whatever the counter grows to
    String longKey = "default/123456/" + "k".repeat(240);
    prepare(s, longKey, "", Map.of());
    assertThat(stat(s, longKey).getName()).isEqualTo(longKey);
    prepare(s, "default/5/a", "", Map.of());
    commit(s, "default/5/c", "default/5/a");
    try {
      commit(s, "default/6/x", "default/5/c");
      throw new AssertionError("a commit of a committed snapshot was taken");
    } catch (io.grpc.StatusRuntimeException e) {
      assertThat(e.getStatus().getCode()).isEqualTo(Code.FAILED_PRECONDITION);
      assertThat(e.getStatus().getDescription())
          .contains("default/5/c")
          .doesNotContain(SnapshotKeys.PREFIX);
    }
    assertThat(code(() -> prepare(s, "k".repeat(4097), "", Map.of())))
        .isEqualTo(Code.INVALID_ARGUMENT);
  }

  @Test
  void everyErrorCodeAsContainerdsSnapshottersGiveIt() throws IOException {
    SnapshotsBlockingStub s = open("btrfs", "default");
    prepare(s, "a", "", Map.of());
    commit(s, "c", "a");
    prepare(s, "b", "c", Map.of());
    s.view(ViewSnapshotRequest.newBuilder().setKey("v").setParent("c").build());

    assertThat(code(() -> stat(s, "nope"))).isEqualTo(Code.NOT_FOUND);
    assertThat(code(() -> prepare(s, "x", "nope", Map.of()))).isEqualTo(Code.NOT_FOUND);
    assertThat(code(() -> commit(s, "y", "nope"))).isEqualTo(Code.NOT_FOUND);
    assertThat(code(() -> s.remove(RemoveSnapshotRequest.newBuilder().setKey("nope").build())))
        .isEqualTo(Code.NOT_FOUND);

    assertThat(code(() -> prepare(s, "b", "", Map.of()))).isEqualTo(Code.ALREADY_EXISTS);
    prepare(s, "d", "", Map.of());
    assertThat(code(() -> commit(s, "c", "d"))).isEqualTo(Code.ALREADY_EXISTS);

    assertThat(code(() -> prepare(s, "x", "b", Map.of()))).isEqualTo(Code.INVALID_ARGUMENT);
    assertThat(code(() -> prepare(s, "", "", Map.of()))).isEqualTo(Code.INVALID_ARGUMENT);
    assertThat(code(() -> prepare(s, "bad\nkey", "", Map.of()))).isEqualTo(Code.INVALID_ARGUMENT);
    assertThat(code(() -> prepare(s, "x", "", Map.of("k", "v".repeat(5000)))))
        .isEqualTo(Code.INVALID_ARGUMENT);
    assertThat(code(() -> names(s, "==x"))).isEqualTo(Code.INVALID_ARGUMENT);
    assertThat(
            code(
                () ->
                    s.update(
                        UpdateSnapshotRequest.newBuilder()
                            .setInfo(Info.newBuilder().setName("c").setParent("x"))
                            .setUpdateMask(FieldMask.newBuilder().addPaths("parent"))
                            .build())))
        .isEqualTo(Code.INVALID_ARGUMENT);

    assertThat(code(() -> s.remove(RemoveSnapshotRequest.newBuilder().setKey("c").build())))
        .isEqualTo(Code.FAILED_PRECONDITION);
    assertThat(code(() -> commit(s, "vc", "v"))).isEqualTo(Code.FAILED_PRECONDITION);
    assertThat(code(() -> s.mounts(MountsRequest.newBuilder().setKey("c").build())))
        .isEqualTo(Code.FAILED_PRECONDITION);
    // Without FUSE, Mounts names what is missing.
    assertThat(code(() -> s.mounts(MountsRequest.newBuilder().setKey("b").build())))
        .isEqualTo(Code.FAILED_PRECONDITION);
    try {
      s.mounts(MountsRequest.newBuilder().setKey("b").build());
    } catch (io.grpc.StatusRuntimeException e) {
      assertThat(e.getStatus().getDescription()).contains("without FUSE mounts");
    }
    // Namespaces are identifiers only.
    assertThat(code(() -> stat(f.snapshots("../etc"), "c"))).isEqualTo(Code.INVALID_ARGUMENT);
    assertThat(code(() -> stat(f.snapshots("_"), "c"))).isEqualTo(Code.INVALID_ARGUMENT);
  }

  /**
   * Usage is what the snapshot wrote, as an overlay upper directory holds it (the kubelet's
   * ephemeral-storage count), not what it costs the store after compression and deduplication.
   */
  @Test
  void usageCountsTheBytesASnapshotWroteNotWhatTheyCompressTo() throws IOException {
    SnapshotsBlockingStub s = open("btrfs", "k8s.io");
    prepare(s, "base-active", "", Map.of());
    var engine = f.engine.storage();
    engine
        .fs("ctrd/k8s.io/base-active")
        .writeFile("/shared", new java.io.ByteArrayInputStream(new byte[1 << 20]), 0644, 0, 0, 0);
    commit(s, "base", "base-active");
    prepare(s, "c1", "base", Map.of());
    prepare(s, "c2", "base", Map.of());
    byte[] same = new byte[4 << 20];
    new java.util.Random(6).nextBytes(same);
    engine
        .fs("ctrd/k8s.io/c1")
        .writeFile("/same", new java.io.ByteArrayInputStream(same), 0644, 0, 0, 0);
    engine
        .fs("ctrd/k8s.io/c2")
        .writeFile("/same", new java.io.ByteArrayInputStream(same), 0644, 0, 0, 0);
    engine.fs("ctrd/k8s.io/c2").write("/shared", 0, new byte[] {1}, 0, 1);
    UsageResponse c1 = s.usage(UsageRequest.newBuilder().setKey("c1").build());
    UsageResponse c2 = s.usage(UsageRequest.newBuilder().setKey("c2").build());
    // the two copies are one in the store: each snapshot holds none of it alone, yet wrote 4 MiB
    assertThat(c1.getSize()).isEqualTo(4L << 20);
    assertThat(c2.getSize()).isBetween((4L << 20) + 1, (5L << 20));
    assertThat(c1.getInodes()).isEqualTo(1);
    assertThat(c2.getInodes()).isEqualTo(2);
    assertThat(s.usage(UsageRequest.newBuilder().setKey("base").build()).getSize())
        .isEqualTo(1L << 20);
  }

  @Test
  void namespacesKeepSnapshotsApart() throws IOException {
    SnapshotsBlockingStub a = open("btrfs", "a");
    SnapshotsBlockingStub b = f.snapshots("b");
    prepare(a, "k", "", Map.of("ns", "a"));
    prepare(b, "k", "", Map.of("ns", "b"));
    commit(a, "c", "k");
    assertThat(stat(b, "k").getLabelsMap()).containsEntry("ns", "b");
    assertThat(code(() -> stat(b, "c"))).isEqualTo(Code.NOT_FOUND);
    assertThat(code(() -> prepare(b, "x", "c", Map.of()))).isEqualTo(Code.NOT_FOUND);
    assertThat(names(a)).containsExactly("c");
    assertThat(names(b)).containsExactly("k");
    // A key cannot climb out of its namespace.
    assertThat(code(() -> stat(b, "../a/c"))).isEqualTo(Code.NOT_FOUND);
    // containerd sends no header (its keys carry its namespace): one shared space, apart from all.
    SnapshotsBlockingStub shared = f.snapshots(null);
    prepare(shared, "default/1/k", "", Map.of());
    assertThat(names(shared)).containsExactly("default/1/k");
    assertThat(code(() -> stat(shared, "c"))).isEqualTo(Code.NOT_FOUND);
    assertThat(names(a)).containsExactly("c");
    assertThat(f.engine.storage().stat("ctrd/_/default/1/k").kind())
        .isEqualTo(io.strata.store.driver.Kind.ACTIVE);
  }

  @Test
  void updateFollowsFieldMasksAndListFilters() throws IOException {
    SnapshotsBlockingStub s = open("btrfs", "default");
    prepare(s, "p-tmp", "", Map.of());
    s.commit(
        CommitSnapshotRequest.newBuilder()
            .setName("p")
            .setKey("p-tmp")
            .putLabels("containerd.io/gc.root", "x")
            .build());
    prepare(s, "a", "p", Map.of("l", "2", "containerd.io/gc.root", "x"));
    s.view(ViewSnapshotRequest.newBuilder().setKey("v").setParent("p").putLabels("l", "3").build());
    assertThat(names(s, "labels.\"containerd.io/gc.root\"==x")).containsExactly("a", "p");
    assertThat(names(s, "kind==view")).containsExactly("v");
    assertThat(names(s, "name==p", "name==v")).containsExactly("p", "v");
    assertThat(names(s, "parent!=\"\"")).containsExactly("a", "v");
    assertThat(names(s, "labels.l")).containsExactly("a", "v");
    assertThat(names(s, "labels.l~=^[23]$,kind==active")).containsExactly("a");

    Info before = stat(s, "a");
    Info u =
        s.update(
                UpdateSnapshotRequest.newBuilder()
                    .setInfo(
                        Info.newBuilder()
                            .setName("a")
                            .setParent("ignored")
                            .putLabels("l", "updated")
                            .putLabels("new", "n"))
                    .setUpdateMask(
                        FieldMask.newBuilder()
                            .addPaths("labels.l")
                            .addPaths("labels.containerd.io/gc.root"))
                    .build())
            .getInfo();
    assertThat(u.getLabelsMap()).isEqualTo(Map.of("l", "updated"));
    assertThat(u.getParent()).isEqualTo("p");
    assertThat(u.getCreatedAt()).isEqualTo(before.getCreatedAt());
    assertThat(toNanos(u.getUpdatedAt())).isGreaterThan(toNanos(before.getUpdatedAt()));
    Info all =
        s.update(
                UpdateSnapshotRequest.newBuilder()
                    .setInfo(Info.newBuilder().setName("a").putLabels("only", "this"))
                    .build())
            .getInfo();
    assertThat(all.getLabelsMap()).isEqualTo(Map.of("only", "this"));
    assertThat(stat(s, "a").getLabelsMap()).isEqualTo(Map.of("only", "this"));
  }

  private static long toNanos(com.google.protobuf.Timestamp t) {
    return t.getSeconds() * 1_000_000_000L + t.getNanos();
  }

  @Test
  void aLayerStrataHoldsIsCommittedAtOnce() throws Exception {
    SnapshotsBlockingStub s = open("btrfs", "default");
    byte[] layer = layerTar("hello.txt", "hello from strata\n");
    ImportResult imported;
    ImageStore images = ImageStore.open(f.engine);
    imported = images.importStream(new ByteArrayInputStream(dockerArchive(layer)), "t:1");
    String chainId = imported.images().get(0).layers().get(0).chainId();
    assertThat(chainId).isEqualTo("sha256:" + sha256(layer));

    Map<String, String> labels = Map.of(SnapshotsService.TARGET_LABEL, chainId);
    assertThat(code(() -> prepare(s, "extract-1 " + chainId, "", labels)))
        .isEqualTo(Code.ALREADY_EXISTS);
    // containerd then looks for the committed snapshot by label and parent.
    assertThat(names(s, "labels.\"containerd.io/snapshot.ref\"==" + chainId + ",parent==\"\""))
        .containsExactly(chainId);
    Info held = stat(s, chainId);
    assertThat(held.getKind()).isEqualTo(Kind.COMMITTED);
    assertThat(code(() -> stat(s, "extract-1 " + chainId))).isEqualTo(Code.NOT_FOUND);
    // A container on it sees the layer's files.
    prepare(s, "ctr", chainId, Map.of());
    String key = SnapshotKeys.driverKey("default", "ctr");
    var fs = f.engine.storage().fs(key);
    try (var in = fs.open("/hello.txt")) {
      assertThat(new String(in.readAllBytes(), StandardCharsets.UTF_8))
          .isEqualTo("hello from strata\n");
    }
    // Again (a second unpack of the same image): the same answer.
    assertThat(code(() -> prepare(s, "extract-2 " + chainId, "", labels)))
        .isEqualTo(Code.ALREADY_EXISTS);
    // A chain id Strata does not hold is prepared as usual.
    prepare(s, "extract-3", "", Map.of(SnapshotsService.TARGET_LABEL, "sha256:" + "0".repeat(64)));
    assertThat(stat(s, "extract-3").getKind()).isEqualTo(Kind.ACTIVE);
  }

  @Test
  void aCloneACrashInterruptedIsRemovedWhenTheServicesStart() throws Exception {
    open("zfs", "default");
    byte[] layer = layerTar("a", "a\n");
    ImageStore.open(f.engine).importStream(new ByteArrayInputStream(dockerArchive(layer)), "t:1");
    String chainId = "sha256:" + sha256(layer);
    // What a kill between clone's prepare and commit leaves: the intermediate active snapshot.
    String left = SnapshotSetDriver.CLONE_TMP + "1/2";
    f.engine.storage().prepare(left, chainId, Map.of());
    f.engine.storage().prepare("unrelated", chainId, Map.of());

    ContainerdServer.removeUnfinishedClones(f.engine.storage());
    List<String> keys = new ArrayList<>();
    f.engine.storage().walk(i -> keys.add(i.key()));
    assertThat(keys).contains("unrelated", chainId).doesNotContain(left);
  }

  static byte[] layerTar(String name, String content) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (TarArchiveOutputStream tar = new TarArchiveOutputStream(out)) {
      byte[] b = content.getBytes(StandardCharsets.UTF_8);
      TarArchiveEntry e = new TarArchiveEntry(name);
      e.setSize(b.length);
      e.setMode(0644);
      // A fixed time: the same arguments give the same bytes, hence the same digest.
      e.setModTime(1_700_000_000_000L);
      tar.putArchiveEntry(e);
      tar.write(b);
      tar.closeArchiveEntry();
    }
    return out.toByteArray();
  }

  static byte[] dockerArchive(byte[] layer) throws IOException, NoSuchAlgorithmException {
    String config =
        "{\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":{},"
            + "\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"sha256:"
            + sha256(layer)
            + "\"]}}";
    String manifest =
        "[{\"Config\":\"config.json\",\"RepoTags\":[\"t:1\"],\"Layers\":[\"layer.tar\"]}]";
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (TarArchiveOutputStream tar = new TarArchiveOutputStream(out)) {
      put(tar, "config.json", config.getBytes(StandardCharsets.UTF_8));
      put(tar, "layer.tar", layer);
      put(tar, "manifest.json", manifest.getBytes(StandardCharsets.UTF_8));
    }
    return out.toByteArray();
  }

  private static void put(TarArchiveOutputStream tar, String name, byte[] b) throws IOException {
    TarArchiveEntry e = new TarArchiveEntry(name);
    e.setSize(b.length);
    tar.putArchiveEntry(e);
    tar.write(b);
    tar.closeArchiveEntry();
  }

  static String sha256(byte[] b) throws NoSuchAlgorithmException {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
  }
}
