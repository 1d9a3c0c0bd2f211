package io.strata.containerd;

import static io.strata.containerd.ContainerdFixture.code;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import com.google.protobuf.FieldMask;
import io.grpc.Status.Code;
import io.grpc.StatusRuntimeException;
import io.strata.containerd.api.content.AbortRequest;
import io.strata.containerd.api.content.ContentGrpc.ContentBlockingStub;
import io.strata.containerd.api.content.DeleteContentRequest;
import io.strata.containerd.api.content.Info;
import io.strata.containerd.api.content.InfoRequest;
import io.strata.containerd.api.content.ListContentRequest;
import io.strata.containerd.api.content.ListStatusesRequest;
import io.strata.containerd.api.content.ReadContentRequest;
import io.strata.containerd.api.content.StatusRequest;
import io.strata.containerd.api.content.UpdateRequest;
import io.strata.containerd.api.content.WriteAction;
import io.strata.containerd.api.content.WriteContentRequest;
import io.strata.containerd.api.content.WriteContentResponse;
import io.strata.store.engine.GcResult;
import io.strata.store.testing.TestData;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.assertj.core.api.ThrowableAssert;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

class ContentServiceTest {
  @TempDir Path dir;
  private ContainerdFixture f;
  private ContentBlockingStub c;

  @BeforeEach
  void open() throws IOException {
    f = new ContainerdFixture(dir, "btrfs");
    c = f.content("default");
  }

  @AfterEach
  void close() throws IOException {
    f.close();
  }

  private static WriteContentRequest.Builder req(WriteAction action) {
    return WriteContentRequest.newBuilder().setAction(action);
  }

  /** Writes {@code data} in one stream and commits it with {@code labels}; returns the digest. */
  private String put(String ns, String ref, byte[] data, Map<String, String> labels)
      throws Exception {
    WriteStream w = new WriteStream(f.contentAsync(ns));
    WriteContentResponse r =
        w.send(
            req(WriteAction.COMMIT)
                .setRef(ref)
                .setTotal(data.length)
                .setExpected("sha256:" + SnapshotsServiceTest.sha256(data))
                .setData(ByteString.copyFrom(data))
                .putAllLabels(labels)
                .build());
    assertThat(w.end()).isNull();
    assertThat(r.getOffset()).isEqualTo(data.length);
    return r.getDigest();
  }

  private byte[] read(ContentBlockingStub s, String digest, long offset, long size) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    s.read(
            ReadContentRequest.newBuilder()
                .setDigest(digest)
                .setOffset(offset)
                .setSize(size)
                .build())
        .forEachRemaining(
            r -> {
              assertThat(r.getOffset()).isEqualTo(offset + out.size());
              out.writeBytes(r.getData().toByteArray());
            });
    return out.toByteArray();
  }

  private Info info(String digest) {
    return c.info(InfoRequest.newBuilder().setDigest(digest).build()).getInfo();
  }

  @Test
  void writeInfoReadListUpdateDelete() throws Exception {
    byte[] data = TestData.random(1, 3 << 20);
    Map<String, String> labels =
        Map.of(
            "containerd.io/gc.ref.content.l.0",
            "sha256:" + "a".repeat(64),
            "containerd.io/distribution.source.docker.io",
            "library/debian");
    String d = put("default", "layer-1", data, labels);
    assertThat(d).isEqualTo("sha256:" + SnapshotsServiceTest.sha256(data));

    Info i = info(d);
    assertThat(i.getSize()).isEqualTo(data.length);
    assertThat(i.getLabelsMap()).isEqualTo(labels);
    assertThat(i.getUpdatedAt()).isEqualTo(i.getCreatedAt());

    assertThat(read(c, d, 0, 0)).isEqualTo(data);
    assertThat(read(c, d, 1000, 5000)).isEqualTo(Arrays.copyOfRange(data, 1000, 6000));
    assertThat(read(c, d, data.length - 10, 100))
        .isEqualTo(Arrays.copyOfRange(data, data.length - 10, data.length));
    assertThat(read(c, d, data.length, 0)).isEmpty();

    String small = put("default", "config", "{}".getBytes(), Map.of("kind", "config"));
    List<String> all = new ArrayList<>();
    c.list(ListContentRequest.getDefaultInstance())
        .forEachRemaining(r -> r.getInfoList().forEach(x -> all.add(x.getDigest())));
    assertThat(all).containsExactlyInAnyOrder(d, small);
    List<String> configs = new ArrayList<>();
    c.list(ListContentRequest.newBuilder().addFilters("labels.kind==config").build())
        .forEachRemaining(r -> r.getInfoList().forEach(x -> configs.add(x.getDigest())));
    assertThat(configs).containsExactly(small);

    Info u =
        c.update(
                UpdateRequest.newBuilder()
                    .setInfo(
                        Info.newBuilder()
                            .setDigest(d)
                            .putLabels("containerd.io/gc.ref.content.l.0", "")
                            .putLabels("containerd.io/gc.ref.snapshot.strata", "layer"))
                    .setUpdateMask(
                        FieldMask.newBuilder()
                            .addPaths("labels.containerd.io/gc.ref.content.l.0")
                            .addPaths("labels.containerd.io/gc.ref.snapshot.strata"))
                    .build())
            .getInfo();
    Map<String, String> expected =
        Map.of(
            "containerd.io/distribution.source.docker.io", "library/debian",
            "containerd.io/gc.ref.snapshot.strata", "layer");
    assertThat(u.getLabelsMap()).isEqualTo(expected);
    assertThat(info(d).getLabelsMap()).isEqualTo(expected);
    assertThat(
            code(
                () ->
                    c.update(
                        UpdateRequest.newBuilder()
                            .setInfo(Info.newBuilder().setDigest(d).setSize(1))
                            .setUpdateMask(FieldMask.newBuilder().addPaths("size"))
                            .build())))
        .isEqualTo(Code.INVALID_ARGUMENT);

    c.delete(DeleteContentRequest.newBuilder().setDigest(d).build());
    assertThat(code(() -> info(d))).isEqualTo(Code.NOT_FOUND);
    assertThat(code(() -> c.delete(DeleteContentRequest.newBuilder().setDigest(d).build())))
        .isEqualTo(Code.NOT_FOUND);
    GcResult gc = f.engine.gc();
    assertThat(gc.bytesReclaimed()).isGreaterThan(0);
  }

  @Test
  void everyErrorCodeAsContainerdsContentServiceGivesIt() throws Exception {
    byte[] data = TestData.random(2, 10_000);
    String d = put("default", "x", data, Map.of());
    String missing = "sha256:" + "0".repeat(64);
    assertThat(code(() -> info(missing))).isEqualTo(Code.NOT_FOUND);
    assertThat(code(() -> read(c, missing, 0, 0))).isEqualTo(Code.NOT_FOUND);
    assertThat(code(() -> info("md5:abc"))).isEqualTo(Code.INVALID_ARGUMENT);
    assertThat(code(() -> read(c, d, data.length + 1, 0))).isEqualTo(Code.OUT_OF_RANGE);
    assertThat(code(() -> c.status(StatusRequest.newBuilder().setRef("none").build())))
        .isEqualTo(Code.NOT_FOUND);
    assertThat(code(() -> c.abort(AbortRequest.newBuilder().setRef("none").build())))
        .isEqualTo(Code.NOT_FOUND);
    assertThat(code(() -> f.content("_").info(InfoRequest.newBuilder().setDigest(d).build())))
        .isEqualTo(Code.INVALID_ARGUMENT);

    // Content already there: ALREADY_EXISTS on the first message naming it; no ingest is left.
    assertThat(code(() -> put("default", "again", data, Map.of()))).isEqualTo(Code.ALREADY_EXISTS);
    assertThat(code(() -> c.status(StatusRequest.newBuilder().setRef("again").build())))
        .isEqualTo(Code.NOT_FOUND);

    // No ref on the first message.
    assertThat(
            code(
                () ->
                    new WriteStream(f.contentAsync("default")).send(req(WriteAction.STAT).build())))
        .isEqualTo(Code.INVALID_ARGUMENT);

    // A write away from the current offset.
    WriteStream w = new WriteStream(f.contentAsync("default"));
    w.send(req(WriteAction.WRITE).setRef("r").setData(ByteString.copyFrom(new byte[10])).build());
    assertThat(
            code(
                () ->
                    w.send(
                        req(WriteAction.WRITE)
                            .setOffset(20)
                            .setData(ByteString.copyFrom(new byte[1]))
                            .build())))
        .isEqualTo(Code.OUT_OF_RANGE);

    // A ref one stream holds is unavailable to another.
    WriteStream holder = new WriteStream(f.contentAsync("default"));
    holder.send(req(WriteAction.STAT).setRef("held").build());
    assertThat(
            code(
                () ->
                    new WriteStream(f.contentAsync("default"))
                        .send(req(WriteAction.STAT).setRef("held").build())))
        .isEqualTo(Code.UNAVAILABLE);
    holder.finish();
    assertThat(holder.end()).isNull();

    // Commits whose size or digest differ from the expected.
    WriteStream wrongSize = new WriteStream(f.contentAsync("default"));
    assertThat(
            code(
                () ->
                    wrongSize.send(
                        req(WriteAction.COMMIT)
                            .setRef("ws")
                            .setTotal(5)
                            .setData(ByteString.copyFromUtf8("four"))
                            .build())))
        .isEqualTo(Code.FAILED_PRECONDITION);
    WriteStream wrongDigest = new WriteStream(f.contentAsync("default"));
    assertThat(
            code(
                () ->
                    wrongDigest.send(
                        req(WriteAction.COMMIT)
                            .setRef("wd")
                            .setExpected(missing)
                            .setData(ByteString.copyFromUtf8("four"))
                            .build())))
        .isEqualTo(Code.FAILED_PRECONDITION);
    // A failed commit leaves the ingest: the right expectations commit it.
    assertThat(c.status(StatusRequest.newBuilder().setRef("wd").build()).getStatus().getOffset())
        .isEqualTo(4);
    WriteStream retry = new WriteStream(f.contentAsync("default"));
    WriteContentResponse ok =
        retry.send(req(WriteAction.COMMIT).setRef("wd").setOffset(4).setTotal(4).build());
    assertThat(retry.end()).isNull();
    assertThat(read(c, ok.getDigest(), 0, 0)).isEqualTo("four".getBytes());
    assertThat(code(() -> c.status(StatusRequest.newBuilder().setRef("wd").build())))
        .isEqualTo(Code.NOT_FOUND);
  }

  /**
   * A commit whose size or digest differs is worded as containerd's local store words it, without
   * the ref: containerd's proxy and ctr each put "commit failed: " before it, and the ref they sent
   * ({@code NS/ID/REF}, containerd's metadata key) would name an object the user never named.
   */
  @Test
  @Timeout(value = 2, unit = TimeUnit.MINUTES)
  void aMismatchedCommitIsWordedAsContainerdsOwnStore() throws Exception {
    String missing = "sha256:" + "0".repeat(63) + "1";
    String four = "sha256:" + SnapshotsServiceTest.sha256("four".getBytes());
    WriteStream wrongDigest = new WriteStream(f.contentAsync("default"));
    StatusRuntimeException digest =
        catchStatus(
            () ->
                wrongDigest.send(
                    req(WriteAction.COMMIT)
                        .setRef("default/1/ingest-bad")
                        .setExpected(missing)
                        .setData(ByteString.copyFromUtf8("four"))
                        .build()));
    assertThat(digest.getStatus().getCode()).isEqualTo(Code.FAILED_PRECONDITION);
    assertThat(digest.getStatus().getDescription())
        .isEqualTo("unexpected commit digest " + four + ", expected " + missing);

    WriteStream wrongSize = new WriteStream(f.contentAsync("default"));
    StatusRuntimeException size =
        catchStatus(
            () ->
                wrongSize.send(
                    req(WriteAction.COMMIT)
                        .setRef("default/2/ingest-short")
                        .setTotal(5)
                        .setData(ByteString.copyFromUtf8("four"))
                        .build()));
    assertThat(size.getStatus().getDescription()).isEqualTo("unexpected commit size 4, expected 5");
  }

  private static StatusRuntimeException catchStatus(ThrowableAssert.ThrowingCallable call) {
    try {
      call.call();
    } catch (StatusRuntimeException e) {
      return e;
    } catch (Throwable t) {
      throw new AssertionError("expected a gRPC status, got " + t, t);
    }
    throw new AssertionError("expected the call to fail");
  }

  @Test
  void aBrokenWriteResumesAtItsOffsetAndSurvivesGc() throws Exception {
    byte[] data = TestData.random(3, 4 << 20);
    int half = data.length / 2;
    WriteStream first = new WriteStream(f.contentAsync("default"));
    WriteContentResponse r =
        first.send(
            req(WriteAction.WRITE)
                .setRef("blob-1")
                .setTotal(data.length)
                .setData(ByteString.copyFrom(data, 0, half))
                .build());
    assertThat(r.getOffset()).isEqualTo(half);
    first.finish();
    assertThat(first.end()).isNull();

    var st = c.status(StatusRequest.newBuilder().setRef("blob-1").build()).getStatus();
    assertThat(st.getOffset()).isEqualTo(half);
    assertThat(st.getTotal()).isEqualTo(data.length);
    assertThat(
            c.listStatuses(ListStatusesRequest.newBuilder().addFilters("ref==blob-1").build())
                .getStatusesList())
        .hasSize(1);

    // gc while nothing holds the half-written bytes but the ingest.
    f.engine.gc();

    WriteStream second = new WriteStream(f.contentAsync("default"));
    WriteContentResponse stat = second.send(req(WriteAction.STAT).setRef("blob-1").build());
    assertThat(stat.getOffset()).isEqualTo(half);
    assertThat(stat.getTotal()).isEqualTo(data.length);
    assertThat(stat.getDigest())
        .isEqualTo("sha256:" + SnapshotsServiceTest.sha256(Arrays.copyOf(data, half)));
    WriteContentResponse done =
        second.send(
            req(WriteAction.COMMIT)
                .setOffset(half)
                .setExpected("sha256:" + SnapshotsServiceTest.sha256(data))
                .setData(ByteString.copyFrom(data, half, data.length - half))
                .build());
    assertThat(done.getOffset()).isEqualTo(data.length);
    assertThat(second.end()).isNull();
    assertThat(read(c, done.getDigest(), 0, 0)).isEqualTo(data);
    assertThat(f.engine.fsck().damaged()).isEmpty();
  }

  @Test
  void offsetZeroStartsOverAndAbortDiscards() throws Exception {
    WriteStream w = new WriteStream(f.contentAsync("default"));
    w.send(req(WriteAction.WRITE).setRef("r").setData(ByteString.copyFromUtf8("garbage")).build());
    WriteContentResponse r =
        w.send(
            req(WriteAction.COMMIT).setOffset(0).setData(ByteString.copyFromUtf8("good")).build());
    assertThat(r.getOffset()).isEqualTo(4);
    assertThat(read(c, r.getDigest(), 0, 0)).isEqualTo("good".getBytes());
    assertThat(w.end()).isNull();

    WriteStream a = new WriteStream(f.contentAsync("default"));
    a.send(
        req(WriteAction.WRITE)
            .setRef("gone")
            .setData(ByteString.copyFrom(TestData.random(4, 1 << 20)))
            .build());
    a.finish();
    assertThat(a.end()).isNull();
    c.abort(AbortRequest.newBuilder().setRef("gone").build());
    assertThat(code(() -> c.status(StatusRequest.newBuilder().setRef("gone").build())))
        .isEqualTo(Code.NOT_FOUND);
    assertThat(f.engine.gc().bytesReclaimed()).isGreaterThan(0);
  }

  @Test
  void aListingLongerThanOneResponseArrivesWholeInBatches() throws Exception {
    List<String> written = new ArrayList<>();
    for (int i = 0; i < 2 * Calls.LIST_BATCH + 7; i++) {
      written.add(put("many", "r" + i, TestData.text(i, 40), Map.of("n", Integer.toString(i))));
    }
    List<Integer> sizes = new ArrayList<>();
    List<String> listed = new ArrayList<>();
    c = f.content("many");
    c.list(ListContentRequest.getDefaultInstance())
        .forEachRemaining(
            r -> {
              sizes.add(r.getInfoCount());
              r.getInfoList().forEach(i -> listed.add(i.getDigest()));
            });
    assertThat(listed).containsExactlyInAnyOrderElementsOf(written);
    assertThat(sizes).containsExactly(Calls.LIST_BATCH, Calls.LIST_BATCH, 7);
    // A filter applies across batches: labels.n == 150 matches one blob.
    List<String> one = new ArrayList<>();
    c.list(ListContentRequest.newBuilder().addFilters("labels.n==150").build())
        .forEachRemaining(r -> r.getInfoList().forEach(i -> one.add(i.getDigest())));
    assertThat(one).containsExactly(written.get(150));
  }

  @Test
  void namespacesKeepContentApart() throws Exception {
    byte[] data = TestData.random(5, 100_000);
    String d = put("a", "x", data, Map.of("ns", "a"));
    ContentBlockingStub b = f.content("b");
    assertThat(code(() -> b.info(InfoRequest.newBuilder().setDigest(d).build())))
        .isEqualTo(Code.NOT_FOUND);
    assertThat(put("b", "x", data, Map.of("ns", "b"))).isEqualTo(d);
    assertThat(b.info(InfoRequest.newBuilder().setDigest(d).build()).getInfo().getLabelsMap())
        .isEqualTo(Map.of("ns", "b"));
    f.content("a").delete(DeleteContentRequest.newBuilder().setDigest(d).build());
    f.engine.gc();
    assertThat(read(b, d, 0, 0)).isEqualTo(data);
    // containerd's own calls carry no header: the shared space, apart from every namespace.
    ContentBlockingStub shared = f.content(null);
    assertThat(code(() -> shared.info(InfoRequest.newBuilder().setDigest(d).build())))
        .isEqualTo(Code.NOT_FOUND);
    assertThat(put(null, "x", data, Map.of())).isEqualTo(d);
    assertThat(read(shared, d, 0, 0)).isEqualTo(data);
  }

  @Test
  void aStreamEndingInAnErrorKeepsItsIngest() throws Exception {
    WriteStream w = new WriteStream(f.contentAsync("default"));
    w.send(req(WriteAction.WRITE).setRef("keep").setData(ByteString.copyFromUtf8("abc")).build());
    StatusRuntimeException e = null;
    try {
      w.send(req(WriteAction.WRITE).setOffset(99).setData(ByteString.copyFromUtf8("x")).build());
    } catch (StatusRuntimeException s) {
      e = s;
    }
    assertThat(e).isNotNull();
    assertThat(c.status(StatusRequest.newBuilder().setRef("keep").build()).getStatus().getOffset())
        .isEqualTo(3);
  }
}
